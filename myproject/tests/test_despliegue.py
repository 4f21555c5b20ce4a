"""Deployment files: docker-compose.yml validated by a Docker client when one is installed,
the Dockerfile's project steps run here as written, and the documented production
environment passing ``check --deploy``. (No Docker engine runs where the tests run.)"""

import fnmatch
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from pruebas.procesos import BASE_DIR

SERVICIOS = {
    "migrate",
    "proxy",
    "web",
    "worker_emails",
    "worker_pesado",
    "worker_general",
    "beat",
    "flower",
    "redis",
    "postgres",
    "rabbitmq",
    "localstripe",
    "minio",
    "minio_bucket",
}
# The services that run the shop's code with its environment (the x-app anchor), migrate aside.
SERVICIOS_DE_LA_APP = ["web", "worker_emails", "worker_pesado", "worker_general", "beat", "flower"]
DOCS = [BASE_DIR / "README.md"]
# The queues each worker of `make run WORKERS=split` and of compose takes, and its concurrency.
GRUPOS_DE_COLAS = [("emails", "10"), ("procesamiento_pesado", "2"), ("celery,analytics,pagos", "4")]
# What only the tests, the benchmarks and development use: never in the image.
SOLO_DESARROLLO = {"pytest", "playwright", "hypothesis", "uvicorn", "ruff", "factory-boy", "honcho", "aiosmtpd", "moto"}


def _compose() -> list[str] | None:
    """Return the command of an installed Compose client (v2 plugin or v1), or None."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _compose_run(*args: str, **env: str) -> subprocess.CompletedProcess:
    comando = _compose()
    if comando is None:
        pytest.skip("no Docker Compose client (docker compose / docker-compose) installed")
    entorno = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(BASE_DIR), **env}
    return subprocess.run(
        [*comando, "-f", str(BASE_DIR / "docker-compose.yml"), *args],
        cwd=BASE_DIR,
        env=entorno,
        capture_output=True,
        text=True,
        timeout=60,
    )


def entorno_de_produccion() -> dict[str, str]:
    """Return the production environment block of the docs (```dotenv), with a fresh SECRET_KEY."""
    for documento in DOCS:
        if documento.exists() and (bloque := re.search(r"```dotenv\n(.*?)```", documento.read_text(), re.S)):
            lineas = [linea.split("=", 1) for linea in bloque.group(1).splitlines() if "=" in linea]
            return {**dict(lineas), "SECRET_KEY": secrets.token_urlsafe(50)}
    raise AssertionError("the docs lost their ```dotenv production environment block")


def _manage(*args: str, cwd: Path = BASE_DIR, **env: str) -> subprocess.CompletedProcess:
    entorno = {"PATH": "/usr/bin:/bin", "HOME": str(BASE_DIR), "DATABASE_URL": "sqlite:///:memory:", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=entorno, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def contexto(tmp_path) -> Path:
    """Return a copy of what `docker build` sends: the repository less .dockerignore's patterns.

    Patterns are matched as fnmatch does (``*`` also crosses ``/``), a little wider than
    Docker; ``!`` exceptions are not supported, and the file has none.
    """
    patrones = [
        linea.strip()
        for linea in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if linea.strip() and not linea.startswith("#")
    ]
    assert not any(p.startswith("!") for p in patrones)

    def ignorar(carpeta: str, nombres: list[str]) -> set[str]:
        relativa = Path(carpeta).relative_to(BASE_DIR)
        return {
            nombre
            for nombre in nombres
            for ruta in [(relativa / nombre).as_posix()]
            if any(fnmatch.fnmatchcase(ruta, p) or fnmatch.fnmatchcase(ruta, p.removeprefix("**/")) for p in patrones)
        }

    destino = tmp_path / "contexto"
    shutil.copytree(BASE_DIR, destino, ignore=ignorar, symlinks=True)
    return destino


def test_compose_config_es_valido_y_tiene_todos_los_servicios():
    resultado = _compose_run("config", "-q")
    assert resultado.returncode == 0, resultado.stderr

    # (Compose v1 lists profiled services here too; v2 leaves mailpit out without its profile.)
    servicios = _compose_run("config", "--services")
    assert SERVICIOS <= set(servicios.stdout.split()) <= SERVICIOS | {"mailpit"}
    con_correo = _compose_run("--profile", "mail", "config", "--services")
    assert set(con_correo.stdout.split()) == SERVICIOS | {"mailpit"}

    rabbit = _compose_run("config", CELERY_BROKER_URL="amqp://tienda:tienda@rabbitmq:5672//")
    assert rabbit.stdout.count("CELERY_BROKER_URL: amqp://tienda:tienda@rabbitmq:5672//") == 7
    normal = _compose_run("config").stdout
    assert normal.count("CELERY_BROKER_URL: redis://redis:6379/0") == 7
    # Every app service waits for the one-shot migrate and the one-shot media bucket (and
    # nothing else waits for a one-shot); exactly one runs the beat scheduler.
    for servicio in SERVICIOS_DE_LA_APP:
        texto = _servicio(normal, servicio)
        for una_vez in ("migrate", "minio_bucket"):
            assert re.search(rf"^      {una_vez}:\n        condition: service_completed_successfully$", texto, re.M)
    assert normal.count("condition: service_completed_successfully") == 2 * len(SERVICIOS_DE_LA_APP)
    assert normal.count("DatabaseScheduler") == 1


def _servicio(config: str, nombre: str) -> str:
    """Return the text of service ``nombre`` in the output of ``compose config``."""
    return re.search(rf"^  {nombre}:\n(.*?)(?=^  \S|^\S|\Z)", config, re.M | re.S).group(1)


def _publicados(config: str) -> list[tuple[str, str]]:
    """Return the (host address, port) of each port ``compose config`` publishes.

    Short items (``127.0.0.1:8000:8000/tcp``) or long ones (``host_ip:``, ``published:``),
    as Compose v1 and v2 print them; no address means every interface.
    """
    publicados = []
    for bloque in re.findall(r"^( *)ports:\n((?:\1 .*\n|\1- .*\n)+)", config, re.M):
        for item in re.split(r"^\s*- ", bloque[1], flags=re.M)[1:]:
            if corto := re.match(r"(?:([\d.]+):)?(\d+):\d+", item):
                publicados.append((corto[1] or "0.0.0.0", corto[2]))
            elif largo := re.search(r'published: "?(\d+)', item):
                ip = re.search(r"host_ip: ([\d.]+)", item)
                publicados.append((ip[1] if ip else "0.0.0.0", largo[1]))
    return publicados


def test_compose_publica_solo_en_localhost_y_en_produccion_por_defecto():
    config = _compose_run("config").stdout
    assert _publicados(config) and {ip for ip, _ in _publicados(config)} == {"127.0.0.1"}
    assert "DEBUG: '0'" in _servicio(config, "web") or 'DEBUG: "0"' in _servicio(config, "web")
    abierto = _compose_run("config", WEB_BIND="0.0.0.0", FLOWER_ADDRESS="0.0.0.0").stdout
    assert ("0.0.0.0", "8000") in _publicados(abierto) and ("0.0.0.0", "5555") in _publicados(abierto)


def test_el_proxy_de_compose_limita_el_cuerpo_como_django(settings):
    """The site is published through the proxy only, whose body limit is the app's own."""
    config = _compose_run("config").stdout
    assert f"client_max_body_size {settings.MAX_CUERPO_BYTES};" in _servicio(config, "proxy")
    assert "ports:" not in _servicio(config, "web")
    assert _publicados(_servicio(config, "proxy")) == [("127.0.0.1", "8000")]
    # One knob for both: the proxy and every app process read MAX_CUERPO_BYTES.
    otro = _compose_run("config", MAX_CUERPO_BYTES="1000").stdout
    assert "client_max_body_size 1000;" in _servicio(otro, "proxy")
    assert "MAX_CUERPO_BYTES: '1000'" in _servicio(otro, "web")


def test_compose_corre_varias_replicas_de_web_tras_el_proxy():
    """Web scales by replicas: none publishes a port (the proxy does), and the proxy
    resolves the service name at request time, so every replica gets requests."""
    config = _compose_run("config").stdout
    assert re.search(r"^\s+replicas: 2$", _servicio(config, "web"), re.M)
    assert re.search(r"^\s+replicas: 5$", _servicio(_compose_run("config", WEB_REPLICAS="5").stdout, "web"), re.M)
    proxy = _servicio((BASE_DIR / "docker-compose.yml").read_text(), "proxy")  # as written, not folded
    assert "resolver 127.0.0.11 valid=10s;" in proxy and "set $$web http://web:8000;" in proxy
    assert proxy.count("proxy_pass $$web;") == proxy.count("proxy_pass")


def test_compose_guarda_los_media_en_minio_privado():
    """Every app service sends media to the one private bucket; MinIO is reachable from inside only."""
    config = _compose_run("config").stdout
    for servicio in [*SERVICIOS_DE_LA_APP, "migrate"]:
        texto = _servicio(config, servicio)
        assert "AWS_STORAGE_BUCKET_NAME: tienda-media" in texto and "AWS_S3_ENDPOINT_URL: http://minio:9000" in texto
        assert "/app/media" not in texto  # no local media volume: nothing would share it across hosts
    minio, bucket = _servicio(config, "minio"), _servicio(config, "minio_bucket")
    assert "ports:" not in minio and re.search(r"image: minio/minio:RELEASE\.\d{4}-", minio)
    assert "healthcheck:" in minio and re.search(r"image: minio/mc:RELEASE\.\d{4}-", bucket)
    assert re.search(r"minio:\n        condition: service_healthy", bucket)
    # The bucket is created, anonymous access is off, and the shop's key may use that bucket
    # only (the script as written: `config` folds its long lines).
    script = _servicio((BASE_DIR / "docker-compose.yml").read_text(), "minio_bucket")
    for paso in ("mc mb --ignore-existing", "mc anonymous set none", "mc admin user add", "arn:aws:s3:::$$BUCKET/*"):
        assert paso in script
    assert "s3:*" not in script and '"Principal"' not in script
    # The proxy caches the public product photos web streams from MinIO, and nothing else of /media/.
    proxy = _servicio((BASE_DIR / "docker-compose.yml").read_text(), "proxy")
    assert re.search(r"location /media/productos/ \{\n\s+proxy_pass \$\$web;\n\s+proxy_cache media;", proxy)
    assert proxy.count("location /media/") == 1
    # One set of knobs: the app's key is the MinIO user the one-shot creates.
    otro = _compose_run(
        "config", AWS_STORAGE_BUCKET_NAME="otro", AWS_ACCESS_KEY_ID="clave", AWS_SECRET_ACCESS_KEY="s" * 12
    ).stdout
    assert "AWS_STORAGE_BUCKET_NAME: otro" in _servicio(otro, "worker_pesado")
    assert all(f"{k}: {v}" in _servicio(otro, "minio_bucket") for k, v in [("BUCKET", "otro"), ("USUARIO", "clave")])
    assert f"CLAVE: {'s' * 12}" in _servicio(otro, "minio_bucket")


def test_compose_y_procfile_arrancan_los_mismos_workers():
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    procfile = (BASE_DIR / "Procfile").read_text()
    for cola, concurrencia in GRUPOS_DE_COLAS:
        assert f'"-Q", "{cola}", "-c", "{concurrencia}"' in compose
        assert f"-Q {cola} -c {concurrencia}" in procfile
    # Every queue of the settings is consumed: by the one worker of `make run`, and by
    # exactly one of the split workers.
    assert f"-Q {','.join(settings.CELERY_QUEUE_NAMES)} " in procfile
    repartidas = [cola for grupo, _ in GRUPOS_DE_COLAS for cola in grupo.split(",")]
    assert sorted(repartidas) == sorted(settings.CELERY_QUEUE_NAMES)
    assert procfile.count("celery -A myproject beat") == 1
    assert compose.count("django_celery_beat.schedulers:DatabaseScheduler") == 1


def test_los_pasos_del_dockerfile_funcionan_aqui(tmp_path, contexto):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"^USER tienda$", dockerfile, re.M) and "RUN pip install -r requirements.txt" in dockerfile

    # Run each RUN step that uses the project exactly as written, in a copy of the build
    # context (no test support in it), with STATIC_ROOT moved here.
    pasos = [linea[4:] for linea in dockerfile.splitlines() if linea.startswith("RUN ") and "manage.py" in linea]
    assert pasos, "the Dockerfile has no manage.py step"
    static = tmp_path / "staticfiles"
    for paso in pasos:
        partes = shlex.split(paso)
        env = dict(parte.split("=", 1) for parte in partes if re.match(r"^[A-Z_]+=", parte))
        comando = [parte for parte in partes if not re.match(r"^[A-Z_]+=", parte)]
        assert comando[:2] == ["python", "manage.py"]
        resultado = _manage(*comando[2:], cwd=contexto, STATIC_ROOT=str(static), **env)
        assert resultado.returncode == 0, resultado.stderr
    manifiesto = (static / "staticfiles.json").read_text()
    assert "css/tienda.css" in manifiesto

    # CMD: Daphne serves the ASGI app that the production settings load.
    cmd = re.search(r"^CMD (.*)$", dockerfile, re.M).group(1)
    assert "myproject.asgi:application" in cmd and cmd.startswith('["daphne"')
    produccion = {**entorno_de_produccion(), "STATIC_ROOT": str(static)}
    importa = subprocess.run(
        [sys.executable, "-c", "import myproject.asgi"],
        cwd=contexto,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", **produccion},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert importa.returncode == 0, importa.stderr


def test_el_entorno_de_produccion_documentado_pasa_check_deploy():
    produccion = entorno_de_produccion()
    resultado = _manage("check", "--deploy", "--fail-level", "WARNING", **produccion)
    assert resultado.returncode == 0, resultado.stderr

    # The compose default key (and a short one) are refused: `migrate` stops the stack.
    inseguro = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**produccion, "SECRET_KEY": "django-insecure-x" * 4}
    )
    assert inseguro.returncode != 0 and "security.W009" in inseguro.stderr


def test_el_dockerignore_deja_fuera_el_estado_local():
    ignorado = set((BASE_DIR / ".dockerignore").read_text().split())
    assert {".venv", "var", ".env", ".git"} <= ignorado


def test_la_imagen_no_lleva_el_soporte_de_pruebas(contexto):
    assert (contexto / "manage.py").exists() and (contexto / "ventas" / "models.py").exists()
    assert not (contexto / "pruebas").exists() and not (contexto / "bench").exists()
    assert not [*contexto.rglob("tests"), *contexto.rglob("conftest.py")]
    # Nor their packages: the image installs requirements.txt alone.
    instalados = {
        re.split(r"[\[=<>]", linea, maxsplit=1)[0].strip().lower()
        for linea in (contexto / "requirements.txt").read_text().splitlines()
        if linea.strip() and not linea.startswith("#")
    }
    assert "django" in instalados and not instalados & SOLO_DESARROLLO
    assert not any(linea.startswith("-r") for linea in (contexto / "requirements.txt").read_text().splitlines())
