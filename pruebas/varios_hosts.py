"""Several hosts on one machine, with the shop's stack on them (issue 15's "several hosts, proven").

Four network namespaces on a private bridge (:mod:`pruebas.red`): web hosts ``web_a`` and
``web_b`` run Daphne; ``trabajo`` a Celery worker on every queue; ``datos`` Redis (broker,
results, channel layer, cache), a PostgreSQL cluster of its own, the S3 server (moto) and
localstripe. The caller, in the root namespace, reaches them over the bridge, where the
SMTP box the worker mails to also listens. No pytest here.

The database is the private cluster's: its schema comes from ``manage.py migrate`` and its
data from ``manage.py shell`` (subprocesses pointed at it with DATABASE_URL). The caller
then sees the stack only as its users and ops do (HTTP and WebSocket clients on the web
hosts, localstripe's API, the bucket, the mailbox, the broker) and never switches its own
Django connection to that cluster, which would mix two databases in one test session.
"""

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests
from django.conf import settings

from .clientes import comprar_por_http, sesion_http
from .correo import BuzonSMTP
from .procesos import BASE_DIR, LOG_DIR, Procesos, entorno_de_proceso, esperar
from .red import PostgresPrivado, Red, binarios_postgres, limpiar_restos
from .red import por_que_no as _red_por_que_no
from .s3 import BucketS3, lanzar_servidor_s3
from .stripe import LocalStripe

HOSTS = ["web_a", "web_b", "trabajo", "datos"]
PUERTO_WEB = 8000
# A killed worker's unacknowledged messages come back after this many seconds (kombu on Redis).
VISIBILIDAD = 8
OUTBOX_RECLAMO = 8
DEMO = """
import json
from pruebas.factories import ProductoFactory, UsuarioFactory
vendedora = UsuarioFactory(username="vendedora_hosts")
comprador = UsuarioFactory(username="comprador_hosts")
producto = ProductoFactory(vendedor=vendedora, nombre="Café de otra máquina", stock=100, stock_minimo=0)
print(json.dumps({"producto": producto.pk, "vendedora": vendedora.username, "comprador": comprador.username,
                  "email_comprador": comprador.email}))
"""


@dataclass
class Hosts:
    """The running hosts, and what a test needs to act on them as a client (and to kill their worker)."""

    red: Red
    procesos: Procesos
    entorno: dict[str, str]
    bucket: BucketS3
    stripe: LocalStripe
    buzon: BuzonSMTP
    demo: dict
    carpeta: Path
    worker: subprocess.Popen | None = None
    sesiones: dict[str, requests.Session] = field(default_factory=dict)

    def base(self, host: str) -> str:
        return f"http://{self.red.direcciones[host]}:{PUERTO_WEB}"

    def medios(self, host: str) -> dict[str, str]:
        """Return the environment of a process on ``host``: a local media folder of the host's own,
        which must stay empty (media live in S3; no disk is shared)."""
        carpeta = self.carpeta / f"media-{host}"
        carpeta.mkdir(exist_ok=True)
        return {**self.entorno, "PRUEBAS_MEDIA_ROOT": str(carpeta)}

    def archivos_locales(self) -> list[str]:
        """Return the files any host wrote to its local media folder (none, with S3)."""
        return sorted(str(r.relative_to(self.carpeta)) for r in self.carpeta.glob("media-*/**/*") if r.is_file())

    def iniciar_worker(self, nombre: str) -> subprocess.Popen:
        nodo = f"{nombre}-{os.getpid()}@trabajo"
        self.worker = self.procesos.iniciar_worker(
            nombre, nodo=nodo, concurrencia=3, prefijo=self.red.prefijo("trabajo"), **self.medios("trabajo")
        )
        return self.worker

    def sesion(self, usuario: str, host: str) -> requests.Session:
        """Return ``usuario`` logged in through host A's login form, talking to ``host``.

        One login serves both web hosts (the session lives in the shared database): the
        session cookie is carried over as a browser behind one site name would.
        """
        if usuario not in self.sesiones:
            self.sesiones[usuario] = sesion_http(self.base("web_a"), usuario, settings.DEMO_PASSWORD)
        sesion = requests.Session()
        sesion.cookies.set(settings.SESSION_COOKIE_NAME, self.sesiones[usuario].cookies[settings.SESSION_COOKIE_NAME])
        sesion.base = self.base(host)
        return sesion

    def comprar(self) -> int:
        """Buy one unit as the buyer, on web host A; return the order's id."""
        sesion = self.sesion(self.demo["comprador"], "web_a")
        respuesta = comprar_por_http(sesion, sesion.base, self.demo["producto"])
        assert respuesta.status_code == 302, respuesta.text[:500]
        return int(re.fullmatch(r"/ventas/(\d+)/", respuesta.headers["Location"]).group(1))

    def estado(self, venta_id: int, host: str = "web_a") -> dict:
        sesion = self.sesion(self.demo["comprador"], host)
        return sesion.get(f"{sesion.base}/ventas/{venta_id}/estado/", timeout=10).json()

    def sin_confirmar(self) -> int:
        """Return how many messages the broker has delivered to a worker and not had acknowledged."""
        with redis.Redis.from_url(self.entorno["CELERY_BROKER_URL"]) as cliente:
            return cliente.hlen("unacked")


def _servir_datos(pila: Red, procesos: Procesos, pg: PostgresPrivado, carpeta: Path) -> dict[str, str]:
    """Start the data host's servers; return the environment that points a process at them."""
    datos, en_datos = pila.direcciones["datos"], pila.prefijo("datos")
    carpeta_redis = carpeta / "redis"
    carpeta_redis.mkdir()
    # Protected mode refuses every client but loopback's; the bridge is a private test network.
    comando = ["redis-server", "--bind", datos, "--port", "6379", "--protected-mode", "no", "--save", ""]
    comando += ["--appendonly", "no"]
    redis_proceso = procesos.lanzar("redis", [*en_datos, *comando, "--dir", str(carpeta_redis)])
    url_redis = f"redis://{datos}:6379/0"

    def responde_redis() -> bool:
        try:
            with redis.Redis.from_url(url_redis, socket_connect_timeout=1) as cliente:
                return cliente.ping()
        except redis.RedisError:
            return False

    esperar(responde_redis, timeout=30, mensaje="Redis on the data host", proceso=redis_proceso)
    pg.iniciar()
    _, url_s3 = lanzar_servidor_s3(procesos, host=datos, puerto=9000, prefijo=en_datos)
    return {
        "DATABASE_URL": pg.crear_base("mitienda"),
        "REDIS_URL": url_redis,
        "CELERY_BROKER_URL": url_redis,
        "CELERY_RESULT_BACKEND": url_redis,
        "AWS_S3_ENDPOINT_URL": url_s3,
    }


def _manage(entorno: dict[str, str], *argumentos: str) -> str:
    hecho = subprocess.run(
        [sys.executable, "manage.py", *argumentos],
        cwd=BASE_DIR,
        env=entorno_de_proceso(**entorno),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if hecho.returncode:
        raise RuntimeError(f"manage.py {argumentos[0]} failed: {hecho.stderr[-3000:]}")
    return hecho.stdout


def _en(pila: Red, host: str, proceso: subprocess.Popen) -> None:
    if proceso.pid not in pila.pids(host):
        raise RuntimeError(f"{proceso.args[4:7]} is not running on {host}")


def por_que_no() -> str | None:
    """Return why the hosts cannot be built on this machine (no root, no ip netns, no PostgreSQL), or None."""
    if razon := _red_por_que_no():
        return razon
    if binarios_postgres() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl, postgres) installed"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres OS user to run the cluster as (initdb refuses root)"
    if not shutil.which("runuser") or not shutil.which("redis-server"):
        return "runuser (util-linux) or redis-server is missing"
    return None


@contextmanager
def levantar(carpeta: Path) -> Iterator[Hosts]:
    """Build the four hosts and start their processes; tear it all down (processes, namespaces,
    bridge, cluster) when done, whatever happens. ``carpeta`` holds their files."""
    limpiar_restos()
    pila = Red(HOSTS)
    procesos = Procesos(LOG_DIR, prefijo="varios-hosts-", agregar=False)
    pg = PostgresPrivado(
        binarios_postgres(), pila.direcciones["datos"], str(pila.subred), pila.prefijo("datos"), procesos.logs
    )
    buzon = stripe = None
    try:
        pila.crear()
        entorno = _servir_datos(pila, procesos, pg, carpeta)
        bucket = BucketS3.crear(entorno.pop("AWS_S3_ENDPOINT_URL"))
        stripe = LocalStripe(8420, host=pila.direcciones["datos"], prefijo=pila.prefijo("datos"), procesos=procesos)
        stripe.arrancar()
        buzon = BuzonSMTP(host=pila.puerta)
        buzon.start()
        web = [pila.direcciones["web_a"], pila.direcciones["web_b"]]
        entorno |= {
            **bucket.entorno(),
            **stripe.entorno(),
            "EMAIL_URL": buzon.url,
            "ALLOWED_HOSTS": ",".join(web),
            "MODERATION_API_URL": "",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILIDAD),
            # How long the rows of a process killed between commit and publish wait for the
            # relay: just above the longest publish (7 s with the default broker timeouts).
            "OUTBOX_CLAIM_SECONDS": str(OUTBOX_RECLAMO),
        }
        _manage(entorno, "migrate", "--noinput", "-v", "0")
        demo = json.loads(_manage(entorno, "shell", "-c", DEMO).strip().splitlines()[-1])
        listos = Hosts(pila, procesos, entorno, bucket, stripe, buzon, demo, carpeta)
        listos.iniciar_worker("worker")
        # Beat runs the schedules the migrations wrote, among them the outbox relay every 5 s.
        beat = [sys.executable, "-m", "celery", "-A", "myproject", "beat", "-l", "info", "--pidfile="]
        beat += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
        beat = procesos.lanzar("beat", [*pila.prefijo("trabajo"), *beat], **listos.medios("trabajo"))
        for host in ("web_a", "web_b"):
            proceso, _ = procesos.iniciar_daphne(
                host, PUERTO_WEB, host=pila.direcciones[host], prefijo=pila.prefijo(host), **listos.medios(host)
            )
            _en(pila, host, proceso)
        _en(pila, "trabajo", listos.worker)
        _en(pila, "trabajo", beat)
        _en(pila, "datos", stripe.proceso)
        yield listos
    finally:
        procesos.detener_todos()
        pg.detener()
        if buzon is not None:
            buzon.stop()
        if stripe is not None:
            shutil.rmtree(stripe.estado.parent, ignore_errors=True)
        pila.destruir()
