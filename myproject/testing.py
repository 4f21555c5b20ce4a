"""Pytest plugin with the real parts the suite runs against (loaded by ``-p`` in pytest.ini).

Before Django is set up it points the project at a private Redis (or ``REDIS_URL``
when set), a private SMTP server and a temporary media folder, so the test process
and the Celery worker process it starts share one configuration. Nothing is faked
but the outside world: mail goes over real SMTP to a local aiosmtpd server.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu.exceptions
import pytest
import redis

from myproject import devservices

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "var" / "test-logs"
QUEUES = "celery,emails,procesamiento_pesado,analytics"

_procesos: list[subprocess.Popen] = []


def esperar(condicion: Callable[[], object], *, timeout: float = 30, intervalo: float = 0.1, mensaje: str = ""):
    """Poll ``condicion`` until it returns something truthy; return it, or fail the test."""
    limite = time.monotonic() + timeout
    while True:
        resultado = condicion()
        if resultado:
            return resultado
        if time.monotonic() > limite:
            pytest.fail(f"Timed out after {timeout}s waiting for {mensaje or condicion}")
        time.sleep(intervalo)


class BuzonSMTP:
    """A real SMTP server on a free loopback port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self._lock = threading.Lock()
        self._mensajes: list[EmailMessage] = []
        self._por_rechazar = 0
        self.rechazados = 0
        self._demoras: list[tuple[float, str]] = []
        self.demoras_empezadas = 0
        self.port = devservices.free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            if self._por_rechazar:
                self._por_rechazar -= 1
                self.rechazados += 1
                return "451 4.3.0 Try again later"
            demora = self._demoras.pop(0) if self._demoras else None
        if demora is not None:
            segundos, respuesta = demora
            with self._lock:
                self.demoras_empezadas += 1
            # A client that hangs up meanwhile cancels this: nothing is kept, as a server
            # that never got to answer the final dot does not deliver.
            await asyncio.sleep(segundos)
            if not respuesta.startswith("250"):
                return respuesta
        mensaje = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self._mensajes.append(mensaje)
        return "250 OK"

    def demorar(self, *demoras: tuple[float, str]) -> None:
        """Stall the next messages after their final dot: (seconds, then this reply) each, as a slow server does.

        ``demoras_empezadas`` counts the stalls begun, so a test can act while one is on.
        """
        with self._lock:
            self._demoras, self.demoras_empezadas = list(demoras), 0

    def rechazar(self, cuantos: int) -> None:
        """Answer the next ``cuantos`` messages with a temporary failure, as a busy server does."""
        with self._lock:
            self._por_rechazar, self.rechazados = cuantos, 0

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    @property
    def mensajes(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._mensajes)

    def para(self, direccion: str) -> list[EmailMessage]:
        return [m for m in self.mensajes if direccion in str(m["To"])]

    def vaciar(self):
        with self._lock:
            self._mensajes.clear()
            self._por_rechazar = self.rechazados = self.demoras_empezadas = 0
            self._demoras.clear()


_buzon: BuzonSMTP | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Wire the environment before pytest-django imports the settings."""
    global _buzon
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if "REDIS_URL" not in os.environ:
        port = devservices.free_port()
        datos = Path(tempfile.mkdtemp(prefix="mitienda-redis-"))
        _procesos.append(devservices.start_redis(port, datos))
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="mitienda-media-"))
    _buzon = BuzonSMTP()
    _buzon.start()
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{_buzon.port}"
    os.environ["TEST_SQLITE_NAME"] = str(BASE_DIR / "var" / "test.sqlite3")
    os.environ.setdefault("DEBUG", "1")


def pytest_unconfigure(config):
    if _buzon is not None:
        _buzon.stop()
    for proceso in reversed(_procesos):
        detener(proceso)


def detener(proceso: subprocess.Popen, timeout: float = 10) -> None:
    if proceso.poll() is None:
        proceso.terminate()
        try:
            proceso.wait(timeout)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait()


@pytest.fixture(autouse=True)
def _correo_por_smtp(settings):
    """Undo Django's test-time locmem mail backend: mail goes over SMTP to the buzon,
    as it does from the worker process."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def usar_hash_rapido(settings) -> None:
    """Hash test passwords cheaply: PBKDF2 costs most of a second per user on these machines.

    Only for tests that never log in through a server process (Daphne checks passwords
    with the production hashers), so each app's conftest opts in.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def buzon() -> BuzonSMTP:
    """The SMTP server's inbox, emptied for each test."""
    assert _buzon is not None
    _buzon.vaciar()
    return _buzon


def url_base_de_datos_de_prueba() -> str:
    """Return a DATABASE_URL for the test database pytest-django created."""
    from django.db import connection

    ajustes = connection.settings_dict
    if ajustes["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{ajustes['NAME']}"
    usuario = ajustes["USER"] + (f":{ajustes['PASSWORD']}" if ajustes["PASSWORD"] else "")
    return f"postgres://{usuario}@{ajustes['HOST'] or '127.0.0.1'}:{ajustes['PORT'] or 5432}/{ajustes['NAME']}"


def entorno_de_proceso(**extra: str) -> dict[str, str]:
    """Return the environment a child process (worker, Daphne) needs to share our test setup."""
    return {**os.environ, "DATABASE_URL": url_base_de_datos_de_prueba(), "PYTHONUNBUFFERED": "1", **extra}


def lanzar(nombre: str, comando: list[str], **extra_env: str) -> subprocess.Popen:
    """Start a child process of the test session, logging to var/test-logs/<nombre>.log."""
    log = open(LOG_DIR / f"{nombre}.log", "ab")  # noqa: SIM115 - closed with the process
    proceso = subprocess.Popen(comando, cwd=BASE_DIR, env=entorno_de_proceso(**extra_env), stdout=log, stderr=log)
    _procesos.append(proceso)
    return proceso


def app_de_celery(broker_url: str):
    """Return a Celery app configured like the project's but on another broker (e.g. RabbitMQ).

    The project's app read CELERY_BROKER_URL at import; this one sends tasks (by name,
    with the same routes), controls workers and reads results (same backend) there.
    Close it when done.
    """
    from celery import Celery

    otra = Celery("myproject", set_as_current=False)
    otra.config_from_object("django.conf:settings", namespace="CELERY")
    otra.conf.broker_url = broker_url
    return otra


def ping(control=None, destino: list[str] | None = None, timeout: float = 0.5) -> list[dict]:
    """Return the replies of the workers (``destino``, or all) to a ping.

    Over a fresh connection, not one from the app's pool: after a fault test restarted
    the broker, every pooled connection of this process fails once.
    """
    if control is None:
        from myproject.celery import app as control
    with control.connection_for_write() as conexion:
        return control.control.ping(destination=destino, timeout=timeout, connection=conexion) or []


def iniciar_worker(nombre: str = "worker", colas: str = QUEUES, concurrencia: int = 2, **extra_env: str):
    """Start a real Celery worker process and wait until it answers a ping.

    A worker on another broker (``CELERY_BROKER_URL`` in ``extra_env``) is pinged through that broker.
    """
    nodo = f"{nombre}-{os.getpid()}@localhost"
    comando = [
        sys.executable, "-m", "celery", "-A", "myproject", "worker", "-l", "info", "-n", nodo,
        "-Q", colas, "-c", str(concurrencia), "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    proceso = lanzar(nombre, comando, **extra_env)
    control = app_de_celery(extra_env["CELERY_BROKER_URL"]) if "CELERY_BROKER_URL" in extra_env else None

    def responde():
        if proceso.poll() is not None:
            return True
        try:
            return ping(control, [nodo])
        except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
            return False

    esperar(responde, timeout=60, mensaje=f"worker {nodo} to answer")
    if control is not None:
        control.close()
    if proceso.poll() is not None:
        pytest.fail(f"Celery worker exited with {proceso.returncode}; see {LOG_DIR / nombre}.log")
    return proceso


@pytest.fixture(scope="session")
def _worker_de_la_sesion(django_db_setup):
    """Holds the session's worker process; stops it at the end."""
    from myproject.celery import app

    app.control.purge()
    actual: dict[str, subprocess.Popen | None] = {"proceso": None}
    yield actual
    if actual["proceso"] is not None:
        detener(actual["proceso"])


@pytest.fixture
def celery_worker(_worker_de_la_sesion, django_db_blocker):
    """A real Celery worker process on every queue, against the test database.

    One for the whole session, started on first use and started again if it died: the
    fault tests stop and restart Redis under it, and kombu can give up on a lost
    connection ("Unrecoverable error") — in production the process supervisor
    (compose's restart policy) restarts it the same way.
    """
    proceso = _worker_de_la_sesion["proceso"]
    if proceso is None or proceso.poll() is not None:
        with django_db_blocker.unblock():
            proceso = _worker_de_la_sesion["proceso"] = iniciar_worker()
    return proceso


@pytest.fixture
def broker_redis_aparte():
    """Return the URL of a Redis database of its own (emptied before and after), for a
    broker whose messages the session's worker must never see."""
    from kombu import Connection

    url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/7"))
    with Connection(url) as conexion:
        conexion.default_channel.client.flushdb()
    yield url
    with Connection(url) as conexion:
        conexion.default_channel.client.flushdb()


# Fuzzing
# ------------------------------------------------------------------------------


def ajustes_de_fuzz(ejemplos: int):
    """Hypothesis settings for fuzzing a form through Django's test client.

    No deadline (a request on a busy CI machine may take long), fixtures shared by the
    examples of one test (the examples check their own before/after), and no example
    database: every run explores afresh.
    """
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=ejemplos,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


# The private Redis, for fault tests that stop it
# ------------------------------------------------------------------------------


class RedisPrivado:
    """The harness's own redis-server, stopped and started again by fault tests."""

    def __init__(self, proceso: subprocess.Popen, port: int):
        self.proceso, self.port = proceso, port

    def detener(self) -> None:
        detener(self.proceso)

    def arrancar(self) -> None:
        """Start a new, empty Redis on the same port, as a server without persistence
        comes back; then wait until a running session worker answers on it again.

        This process keeps its pooled connections to the old server, as a web process
        would: the project's code must cope, and the harness pings over fresh ones.
        """
        self.proceso = devservices.start_redis(self.port, Path(tempfile.mkdtemp(prefix="mitienda-redis-")))
        _procesos.append(self.proceso)
        esperar(self._sin_workers_o_responden, timeout=60, mensaje="the worker to reconnect to Redis")

    @staticmethod
    def _sin_workers_o_responden() -> bool:
        # A worker kombu gave up on exits instead; the celery_worker fixture starts another.
        if not any(p.poll() is None and "worker" in p.args for p in _procesos):
            return True
        try:
            return bool(ping())
        except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
            return False


@pytest.fixture
def redis_privado() -> RedisPrivado:
    """The harness's own Redis; the test is skipped when REDIS_URL points at a shared one."""
    port = urlsplit(os.environ["REDIS_URL"]).port
    for proceso in _procesos:
        if "redis-server" in str(proceso.args[0]) and str(port) in proceso.args and proceso.poll() is None:
            return RedisPrivado(proceso, port)
    pytest.skip("REDIS_URL points at a Redis the tests did not start; not stopping it")


# Live notifications: sessions, Daphne
# ------------------------------------------------------------------------------


def cookie_de_sesion(usuario) -> str:
    """Log ``usuario`` in as a browser would (a session row) and return the Cookie header value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    sesion = import_module(settings.SESSION_ENGINE).SessionStore()
    sesion[SESSION_KEY] = str(usuario.pk)
    sesion[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    sesion[HASH_SESSION_KEY] = usuario.get_session_auth_hash()
    sesion.save()
    return f"{settings.SESSION_COOKIE_NAME}={sesion.session_key}"


def _responde_http(puerto: int) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{puerto}/accounts/login/", timeout=1) as respuesta:
            return respuesta.status < 600
    except urllib.error.HTTPError:
        return True  # it answered, even if unhappy
    except OSError:
        return False


def iniciar_daphne(nombre: str = "daphne", puerto: int | None = None, **extra_env: str) -> tuple[subprocess.Popen, int]:
    """Start a real Daphne process on ``puerto`` (a free one by default); wait until it answers HTTP."""
    puerto = puerto or devservices.free_port()
    comando = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(puerto), "myproject.asgi:application"]
    proceso = lanzar(nombre, comando, **extra_env)
    esperar(
        lambda: proceso.poll() is not None or _responde_http(puerto),
        timeout=30,
        mensaje=f"Daphne {nombre} on port {puerto} to answer",
    )
    if proceso.poll() is not None:
        pytest.fail(f"Daphne exited with {proceso.returncode}; see {LOG_DIR / nombre}.log")
    return proceso, puerto


@pytest.fixture(scope="session")
def daphne(django_db_setup, django_db_blocker):
    """A real Daphne process serving the project (HTTP and WebSockets) against the test database.

    Yields ``(proceso, puerto)``; the base URL is ``http://127.0.0.1:<puerto>``.
    """
    with django_db_blocker.unblock():
        proceso, puerto = iniciar_daphne("daphne")
    yield proceso, puerto
    detener(proceso)
