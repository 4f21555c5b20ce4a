"""What every benchmark shares: the real stack, the machine's description, the table, the JSON.

A benchmark is not a test: it starts the same parts production runs (a Redis, a Celery
worker process, a Daphne process, with the harness's pruebas.procesos), measures, prints
one table of ratios to a floor or peer measured in the same run, and writes
``bench/results/<name>.json``.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pruebas.procesos import ASGI, BASE_DIR, Procesos, cookie_de_sesion, puerto_libre

RESULTS = BASE_DIR / "bench" / "results"
LOGS = BASE_DIR / "var" / "bench-logs"
PYTHON = sys.executable
CORES = os.cpu_count() or 1
VENV_BIN = Path(sys.executable).parent


def argumentos(doc: str, *, peticiones: int, repeticiones: int, banderas: dict[str, str] | None = None):
    """Parse a load benchmark's command line: requests per round and rounds, with these defaults,
    and the on/off ``banderas`` ({"--name": "help"})."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peticiones", type=int, default=peticiones, help=f"requests per round (default {peticiones})")
    parser.add_argument("--repeticiones", type=int, default=repeticiones, help=f"rounds (default {repeticiones})")
    for bandera, ayuda in (banderas or {}).items():
        parser.add_argument(bandera, action="store_true", help=ayuda)
    return parser.parse_args()


def progreso(mensaje: str) -> None:
    print(f"  … {mensaje}", file=sys.stderr, flush=True)


def percentil(valores: list[float], p: float) -> float:
    """Return the p-th percentile (0–100) by nearest rank."""
    ordenados = sorted(valores)
    if not ordenados:
        return float("nan")
    indice = max(0, min(len(ordenados) - 1, round(p / 100 * len(ordenados) + 0.5) - 1))
    return ordenados[indice]


def mediana(valores: list[float]) -> float:
    return statistics.median(valores)


def fijar_nucleo(nucleo: int) -> list[str]:
    """Return a command prefix pinning a child process to one core, when that helps."""
    if CORES > 1 and shutil.which("taskset"):
        return ["taskset", "-c", str(nucleo % CORES)]
    return []


def maquina() -> dict:
    """Describe the machine and the versions measured, for the JSON next to the numbers."""
    modelo = ""
    with contextlib.suppress(OSError):
        for linea in Path("/proc/cpuinfo").read_text().splitlines():
            if linea.startswith("model name"):
                modelo = linea.split(":", 1)[1].strip()
                break
    import celery
    import channels
    import django
    import PIL

    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cores": CORES,
        "cpu": modelo,
        "python": platform.python_version(),
        "django": django.__version__,
        "celery": celery.__version__,
        "channels": channels.__version__,
        "pillow": PIL.__version__,
        "redis_server": redis_version,
        "database": os.environ.get("DATABASE_URL", "sqlite").split(":", 1)[0],
        "fecha": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def imprimir_tabla(titulo: str, columnas: list[str], filas: list[list]) -> None:
    celdas = [[_celda(v) for v in fila] for fila in filas]
    anchos = [max(len(c), *(len(f[i]) for f in celdas)) for i, c in enumerate(columnas)]
    print(f"\n{titulo}")
    print("  ".join(c.ljust(a) for c, a in zip(columnas, anchos, strict=True)))
    print("  ".join("-" * a for a in anchos))
    for fila in celdas:
        print("  ".join(v.ljust(a) for v, a in zip(fila, anchos, strict=True)))


def _celda(valor) -> str:
    if isinstance(valor, float):
        return f"{valor:.3g}" if abs(valor) < 100 else f"{valor:.0f}"
    return str(valor)


def guardar(nombre: str, datos: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    ruta = RESULTS / f"{nombre}.json"
    ruta.write_text(json.dumps({"maquina": maquina(), **datos}, indent=2, ensure_ascii=False, default=str))
    print(f"\n  written {ruta.relative_to(BASE_DIR)}")
    return ruta


class Pila:
    """The real stack for a benchmark: private Redis, fresh database, worker and Daphne processes.

    The processes are started by the harness's :mod:`pruebas.procesos`, logging to
    ``var/bench-logs/<benchmark>-<process>.log``. Environment variables are set for this
    process too, so Django code the benchmark runs in-process (creating users, reading
    results) shares the same parts.
    """

    def __init__(self, nombre: str, settings: str = "bench.settings", *, stripe: bool = False):
        self.nombre = nombre
        self.stripe = stripe
        self.procesos = Procesos(LOGS, prefijo=f"{nombre}-", agregar=False)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"mitienda-bench-{nombre}-"))
        self.settings = settings

    def __enter__(self):
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": self.settings,
                "REDIS_URL": self.procesos.iniciar_redis(self.tmp / "redis"),
                "MEDIA_ROOT": str(self.tmp / "media"),
                "EMAIL_FILE_PATH": str(self.tmp / "mail"),
                "EMAIL_BACKEND": "myproject.mail.EmlFileBackend",
                "DEBUG": "1",
                "LOG_LEVEL": "WARNING",
            }
        )
        if os.environ.get("CELERY_BROKER_URL") == "redis":  # the private Redis just started
            os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{self.tmp / 'bench.sqlite3'}")
        if self.stripe:
            # localstripe, as in the tests: the payment's real round trip, on this machine.
            from pruebas.procesos import puerto_libre
            from pruebas.stripe import LocalStripe

            self.localstripe = LocalStripe(puerto_libre())
            os.environ.update(self.localstripe.entorno())
            self.localstripe.arrancar()
        os.environ.pop("EMAIL_URL", None)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, check=True)
        import django

        django.setup()
        return self

    def __exit__(self, *exc):
        if self.stripe:
            self.localstripe.detener()
        self.procesos.detener_todos()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def worker(self, *, colas: str | None = None, concurrencia: int = 2, extra: tuple[str, ...] = (), **env: str):
        """Start a worker (every queue by default) pinned to the first core; wait until it answers."""
        return self.procesos.iniciar_worker(
            "worker",
            colas,
            concurrencia,
            nodo=f"bench-{self.nombre}-{len(self.procesos.hijos)}@localhost",
            nivel="warning",
            prefijo=fijar_nucleo(0),
            argumentos=extra,
            **env,
        )

    def daphne(self, *, nucleo: int = 1, servidor: str = "daphne") -> tuple[subprocess.Popen, int]:
        """Start Daphne (or ``servidor="uvicorn"``, its peer) pinned to ``nucleo``; wait until it answers HTTP."""
        iniciar = self.procesos.iniciar_uvicorn if servidor == "uvicorn" else self.procesos.iniciar_daphne
        return iniciar(servidor, prefijo=fijar_nucleo(nucleo))

    def servidor(
        self, servidor: str, procesos: int = 1, *, nucleo: int | None = None, nombre: str = ""
    ) -> tuple[list[subprocess.Popen], int]:
        """Start ``procesos`` processes of one ASGI server serving the project on one port.

        ``daphne``: one process listens itself; several get one listening socket opened
        here and passed with ``--fd``, as circus does for ``make run``. ``uvicorn`` and
        ``granian``: their own ``--workers`` (a supervisor and its children). Pinned to
        ``nucleo`` when given; wait until every process is done starting.
        """
        from .carga import esperar_quietos

        nombre = nombre or f"{servidor}-{procesos}"
        prefijo = fijar_nucleo(nucleo) if nucleo is not None else []
        if servidor == "daphne" and procesos == 1:
            proceso, puerto = self.procesos.iniciar_daphne(nombre, prefijo=prefijo)
            hijos = [proceso]
        elif servidor == "daphne":
            hijos, puerto = self.procesos.iniciar_daphnes(nombre, procesos, prefijo=prefijo)
        elif servidor == "uvicorn":
            argumentos = ("--workers", str(procesos)) if procesos > 1 else ()
            proceso, puerto = self.procesos.iniciar_uvicorn(nombre, prefijo=prefijo, argumentos=argumentos)
            hijos = [proceso]
        elif servidor == "granian":
            puerto = puerto_libre()
            # asginl: Django's ASGI handler refuses the lifespan protocol.
            comando = [*prefijo, str(VENV_BIN / "granian"), "--interface", "asginl", "--host", "127.0.0.1"]
            comando += ["--port", str(puerto), "--workers", str(procesos), "--log-level", "warning", ASGI]
            hijos = [self.procesos.servir(nombre, comando, puerto)]
        else:
            raise ValueError(f"unknown server {servidor!r}")
        esperar_quietos(hijos)
        return hijos, puerto


def sesion_para(usuario) -> dict[str, str]:
    """Return the cookies of a logged-in session (made as Django's login would) and a CSRF token."""
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string

    nombre, valor = cookie_de_sesion(usuario).split("=", 1)
    return {nombre: valor, settings.CSRF_COOKIE_NAME: _get_new_csrf_string()}
