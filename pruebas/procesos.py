"""Start, wait for and stop the real processes the tests and the benchmarks run against.

Redis servers, Celery workers, Daphne (or Uvicorn) and anything else a child process
of the test session or of a benchmark runs. No pytest here: a benchmark is not a test.
Waiting too long raises :class:`EsperaAgotada` (a ``TimeoutError``), which pytest
reports as a failure and a benchmark as an error.

The module-level :func:`lanzar`, :func:`iniciar_worker` and :func:`iniciar_daphne` start
children of the test session (:data:`SESION`, stopped by the plugin at the end); a
benchmark makes a :class:`Procesos` of its own, with its own log folder.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import kombu.exceptions
import redis
from django.conf import settings

from .colas import app_de_celery, ping, todas_las_colas

# Nothing from the myproject package at import: its Celery module sets
# DJANGO_SETTINGS_MODULE, and the pytest plugin imports this module before pytest-django
# reads the test settings' name from pytest.ini (the environment would win).

BASE_DIR = Path(__file__).resolve().parent.parent
ASGI = "myproject.asgi:application"
# What circus's [socket:web] passes to listen(): the kernel's queue of connections not yet accepted.
BACKLOG = 2048


class EsperaAgotada(TimeoutError):
    """What was waited for did not happen in time."""


class ProcesoTerminado(RuntimeError):
    """A child process that should be running exited."""


def esperar(
    condicion: Callable[[], object],
    *,
    timeout: float = 30,
    intervalo: float = 0.1,
    mensaje: str = "",
    proceso: subprocess.Popen | None = None,
):
    """Poll ``condicion`` until it returns something truthy, and return that.

    Raise :class:`EsperaAgotada` after ``timeout`` seconds, or :class:`ProcesoTerminado`
    as soon as ``proceso`` (the one that should make it come true) has exited.
    """
    limite = time.monotonic() + timeout
    while True:
        resultado = condicion()
        if resultado:
            return resultado
        if proceso is not None and proceso.poll() is not None:
            raise ProcesoTerminado(f"{_nombre(proceso)} exited with {proceso.returncode} while waiting for {mensaje}")
        if time.monotonic() > limite:
            raise EsperaAgotada(f"Timed out after {timeout}s waiting for {mensaje or condicion}")
        time.sleep(intervalo)


def _nombre(proceso: subprocess.Popen) -> str:
    log = getattr(proceso, "log", None)
    return " ".join(map(str, proceso.args[:5])) + (f" (see {log})" if log else "")


def puerto_libre() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    from myproject import devservices

    return devservices.free_port()


def detener(proceso: subprocess.Popen, timeout: float = 10) -> None:
    """Stop ``proceso`` politely (SIGTERM), or kill it if it does not end within ``timeout``."""
    if proceso.poll() is None:
        proceso.terminate()
        try:
            proceso.wait(timeout)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait()


def url_base_de_datos(conexion=None) -> str:
    """Return a DATABASE_URL for the database this process uses (the test one under pytest)."""
    if conexion is None:
        from django.db import connection as conexion

    ajustes = conexion.settings_dict
    if ajustes["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{ajustes['NAME']}"
    usuario = ajustes["USER"] + (f":{ajustes['PASSWORD']}" if ajustes["PASSWORD"] else "")
    return f"postgres://{usuario}@{ajustes['HOST'] or '127.0.0.1'}:{ajustes['PORT'] or 5432}/{ajustes['NAME']}"


def entorno_de_proceso(**extra: str) -> dict[str, str]:
    """Return the environment a child process needs to share this process's setup.

    The same settings module (the test settings under pytest, the benchmark's in a
    benchmark) and the same database; ``extra`` wins over both. The module is read from
    the environment, where pytest-django and the benchmarks put it: inside a test,
    ``settings.SETTINGS_MODULE`` is None (pytest-django's ``settings`` overrides them).
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DATABASE_URL": url_base_de_datos(),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def responde_http(puerto: int, host: str = "127.0.0.1") -> bool:
    """Return True once a server on ``host``:``puerto`` answers an HTTP request, whatever it answers."""
    try:
        with urllib.request.urlopen(f"http://{host}:{puerto}/accounts/login/", timeout=1) as respuesta:
            return respuesta.status < 600
    except urllib.error.HTTPError:
        return True  # it answered, even if unhappy
    except OSError:
        return False


def cookie_de_sesion(usuario) -> str:
    """Log ``usuario`` in as a browser would (a session row) and return the Cookie header value."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    sesion = import_module(settings.SESSION_ENGINE).SessionStore()
    sesion[SESSION_KEY] = str(usuario.pk)
    sesion[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    sesion[HASH_SESSION_KEY] = usuario.get_session_auth_hash()
    sesion.save()
    return f"{settings.SESSION_COOKIE_NAME}={sesion.session_key}"


class Procesos:
    """Child processes started together, each logging to ``<logs>/<prefijo><nombre>.log``.

    ``agregar`` appends to a log that exists (a restarted worker keeps its earlier log);
    otherwise each start writes it anew. :meth:`detener_todos` stops what is still running.
    """

    def __init__(self, logs: Path, *, prefijo: str = "", agregar: bool = True):
        self.logs, self.prefijo, self.agregar = logs, prefijo, agregar
        self.hijos: list[subprocess.Popen] = []
        self.sockets: list[socket.socket] = []

    def lanzar(self, nombre: str, comando: list[str], *, fds: Iterable[int] = (), **extra_env: str) -> subprocess.Popen:
        """Start ``comando`` with :func:`entorno_de_proceso` plus ``extra_env``, from the repository root.

        ``fds`` are file descriptors the child inherits under the same numbers (a listening
        socket handed to ``daphne --fd``, as circus does).
        """
        self.logs.mkdir(parents=True, exist_ok=True)
        ruta = self.logs / f"{self.prefijo}{nombre}.log"
        log = open(ruta, "ab" if self.agregar else "wb")  # noqa: SIM115 - closed with the process
        entorno = entorno_de_proceso(**extra_env)
        proceso = subprocess.Popen(comando, cwd=BASE_DIR, env=entorno, stdout=log, stderr=log, pass_fds=tuple(fds))
        proceso.log = ruta
        self.hijos.append(proceso)
        return proceso

    def iniciar_redis(self, datos: Path | None = None) -> str:
        """Start a private redis-server on a free port; return its ``redis://`` URL."""
        puerto = puerto_libre()
        self.arrancar_redis(puerto, datos)
        return f"redis://127.0.0.1:{puerto}/0"

    def arrancar_redis(self, puerto: int, datos: Path | None = None) -> subprocess.Popen:
        """Start an empty redis-server on ``puerto`` (data in ``datos``, a fresh folder by default)."""
        from myproject import devservices

        datos = datos or Path(tempfile.mkdtemp(prefix="mitienda-redis-"))
        proceso = devservices.start_redis(puerto, datos)
        self.hijos.append(proceso)
        return proceso

    def iniciar_worker(
        self,
        nombre: str = "worker",
        colas: str | None = None,
        concurrencia: int = 2,
        *,
        nodo: str | None = None,
        nivel: str = "info",
        prefijo: Iterable[str] = (),
        argumentos: Iterable[str] = (),
        **extra_env: str,
    ) -> subprocess.Popen:
        """Start a real Celery worker process (every queue by default) and wait until it answers a ping.

        ``prefijo`` goes before the command (e.g. ``taskset``), ``argumentos`` after it. A
        worker on another broker (``CELERY_BROKER_URL`` in ``extra_env``) is pinged there.
        """
        nodo = nodo or f"{nombre}-{os.getpid()}@localhost"
        comando = [
            *prefijo, sys.executable, "-m", "celery", "-A", "myproject", "worker", "-l", nivel, "-n", nodo,
            "-Q", colas or todas_las_colas(), "-c", str(concurrencia), "--without-mingle", "--without-gossip",
            *argumentos,
        ]  # fmt: skip
        proceso = self.lanzar(nombre, comando, **extra_env)
        broker = extra_env.get("CELERY_BROKER_URL")
        control = app_de_celery(broker) if broker else None

        def responde():
            try:
                return ping(control, [nodo])
            except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
                return False

        try:
            esperar(responde, timeout=60, mensaje=f"worker {nodo} to answer", proceso=proceso)
        finally:
            if control is not None:
                control.close()
        return proceso

    def iniciar_daphne(
        self,
        nombre: str = "daphne",
        puerto: int | None = None,
        *,
        host: str = "127.0.0.1",
        prefijo: Iterable[str] = (),
        argumentos: Iterable[str] = (),
        **extra_env: str,
    ) -> tuple[subprocess.Popen, int]:
        """Start a real Daphne serving the project on ``host``:``puerto`` (a free port by default); wait until it
        answers HTTP there. A ``prefijo`` such as ``ip netns exec <ns>`` runs it on another (network) host."""
        puerto = puerto or puerto_libre()
        comando = [sys.executable, "-m", "daphne", "-b", host, "-p", str(puerto), *argumentos, ASGI]
        return self.servir(nombre, [*prefijo, *comando], puerto, host=host, **extra_env), puerto

    def iniciar_daphnes(
        self, nombre: str, procesos: int, *, prefijo: Iterable[str] = (), **extra_env: str
    ) -> tuple[list[subprocess.Popen], int]:
        """Start ``procesos`` Daphne processes sharing one listening socket, as ``make run`` does.

        The socket is opened here (on a free port) and passed to each with ``daphne --fd``,
        as circus passes its ``[socket:web]`` (myproject/runner.py); the kernel hands each
        new connection to whichever process accepts first. Return them and the port.
        """
        escucha = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
        self.sockets.append(escucha)
        fd, puerto = escucha.fileno(), escucha.getsockname()[1]
        comando = [*prefijo, sys.executable, "-m", "daphne", "--fd", str(fd), ASGI]
        hijos = [self.servir(f"{nombre}.{i}", comando, puerto, fds=(fd,), **extra_env) for i in range(procesos)]
        return hijos, puerto

    def iniciar_uvicorn(
        self,
        nombre: str = "uvicorn",
        puerto: int | None = None,
        *,
        prefijo: Iterable[str] = (),
        argumentos: Iterable[str] = (),
        **extra_env: str,
    ) -> tuple[subprocess.Popen, int]:
        """Start Uvicorn serving the project (the benchmarks' peer to Daphne); wait until it answers HTTP."""
        puerto = puerto or puerto_libre()
        comando = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(puerto)]
        comando += ["--log-level", "warning", *argumentos, ASGI]
        return self.servir(nombre, [*prefijo, *comando], puerto, **extra_env), puerto

    def servir(
        self,
        nombre: str,
        comando: list[str],
        puerto: int,
        *,
        fds: Iterable[int] = (),
        host: str = "127.0.0.1",
        **extra_env: str,
    ) -> subprocess.Popen:
        """Start a server ``comando`` that listens on ``host``:``puerto``; return it once it answers HTTP there.

        ``fds`` are passed to the child as :meth:`lanzar` does (a socket for ``daphne --fd``).
        """
        proceso = self.lanzar(nombre, comando, fds=fds, **extra_env)
        esperar(
            lambda: responde_http(puerto, host),
            timeout=60,
            mensaje=f"{nombre} on {host}:{puerto} to answer",
            proceso=proceso,
        )
        return proceso

    def vivos(self) -> list[subprocess.Popen]:
        """Return the children still running."""
        return [proceso for proceso in self.hijos if proceso.poll() is None]

    def detener_todos(self) -> None:
        """Stop every child, the last started first, and close the sockets they shared."""
        for proceso in reversed(self.hijos):
            detener(proceso)
        while self.sockets:
            self.sockets.pop().close()


#: The test session's children; the plugin stops them when the session ends.
SESION = Procesos(BASE_DIR / "var" / "test-logs")
LOG_DIR = SESION.logs
lanzar = SESION.lanzar
iniciar_worker = SESION.iniciar_worker
iniciar_daphne = SESION.iniciar_daphne
