"""Pytest plugin with the real parts the suite runs against (loaded by ``-p`` in pytest.ini).

Before Django is set up it points the project at a private Redis (or ``REDIS_URL``
when set) and a private SMTP server, so the test process and the processes it starts
(Celery workers, Daphne, Flower: :mod:`pruebas.procesos`) share one configuration;
the rest of it is the test settings, :mod:`pruebas.ajustes`. Nothing is faked but the
outside world: mail goes over real SMTP to a local aiosmtpd server.

Tests that start the real stack are marked ``stack`` (by the fixtures they use, see
:func:`pytest_collection_modifyitems`), so ``-m "not stack"`` is the fast lane.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .colas import esperar_reposo
from .correo import BuzonSMTP
from .procesos import SESION, detener, iniciar_daphne, iniciar_worker, puerto_libre
from .redis_privado import RedisPrivado
from .s3 import bucket_s3, servidor_s3  # noqa: F401 - fixtures, registered by being here
from .stripe import LocalStripe

# Fixtures that start processes of the stack (or stop and restart its Redis or localstripe).
FIXTURES_DE_LA_PILA = {"celery_worker", "daphne", "flower", "redis_privado", "localstripe", "servidor_s3"}

_buzon: BuzonSMTP | None = None
_localstripe: LocalStripe | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Wire the environment before pytest-django imports the settings."""
    global _buzon
    # Importing the project (its Celery module) sets DJANGO_SETTINGS_MODULE when it is
    # unset, and pytest-django prefers the environment to pytest.ini: name ours first.
    if modulo := early_config.getini("DJANGO_SETTINGS_MODULE"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", modulo)
    if "REDIS_URL" not in os.environ:
        os.environ["REDIS_URL"] = SESION.iniciar_redis()
    _buzon = BuzonSMTP()
    _buzon.start()
    os.environ["EMAIL_URL"] = _buzon.url
    # localstripe's port and keys, for this process and every one it starts; the server
    # itself starts with the first test that asks for it (fixture ``localstripe``).
    global _localstripe
    _localstripe = LocalStripe(puerto_libre())
    os.environ.update(_localstripe.entorno())
    # The payment task's retries come quickly in the tests (Stripe down and back).
    os.environ.setdefault("PAGO_REINTENTO_SEGUNDOS", "1")
    os.environ.setdefault("STRIPE_TIMEOUT", "3")


def pytest_unconfigure(config):
    if _buzon is not None:
        _buzon.stop()
    SESION.detener_todos()


def pytest_collection_modifyitems(config, items):
    """Mark ``stack`` every test that uses a fixture starting the real stack."""
    for item in items:
        if FIXTURES_DE_LA_PILA & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(autouse=True)
def _la_pila_solo_con_su_marca(request):
    """Fail a test that starts processes of the stack without being marked ``stack``.

    The fast lane (``-m "not stack"``) stays fast only if every such test is marked:
    the fixtures above mark theirs; a test that launches a process itself must say so.
    """
    antes = len(SESION.hijos)
    yield
    nuevos = SESION.hijos[antes:]
    if nuevos and request.node.get_closest_marker("stack") is None:
        pytest.fail(f"started {[p.args[:5] for p in nuevos]} but is not marked stack: add pytest.mark.stack")


@pytest.fixture(scope="session", autouse=True)
def _media_vacia():
    """Start the session with an empty media folder (the test settings' MEDIA_ROOT)."""
    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True)


@pytest.fixture(autouse=True)
def _correo_por_smtp(settings):
    """Undo Django's test-time locmem mail backend: mail goes over SMTP to the buzon,
    as it does from the worker process."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def buzon() -> BuzonSMTP:
    """The SMTP server's inbox, emptied for each test."""
    assert _buzon is not None
    _buzon.vaciar()
    return _buzon


# Celery workers
# ------------------------------------------------------------------------------


_CLAVE_WORKER = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def _worker_de_la_sesion(request, django_db_setup):
    """Holds the session's worker process; stops it at the end."""
    from myproject.celery import app

    app.control.purge()
    actual = {"proceso": None, "nodo": f"worker-{os.getpid()}@localhost"}
    request.config.stash[_CLAVE_WORKER] = actual
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
            proceso = _worker_de_la_sesion["proceso"] = iniciar_worker(nodo=_worker_de_la_sesion["nodo"])
    return proceso


def _transaccional(item: pytest.Item) -> bool:
    marca = item.get_closest_marker("django_db")
    return bool(marca and marca.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Before a transactional test's tables are emptied, let the session's worker go quiet.

    A task the test set off may still be running when pytest-django flushes the database,
    and on PostgreSQL its transaction and the flush's TRUNCATE deadlock (each holds a
    table the other waits for); on any database it would write into the next test. So,
    before any fixture is torn down, the queues are purged, the tasks the worker holds
    for later revoked, and its running tasks waited for.
    """
    worker = item.config.stash.get(_CLAVE_WORKER, None)
    if worker is None or worker["proceso"] is None or worker["proceso"].poll() is not None:
        return
    if _transaccional(item) and not esperar_reposo(worker["nodo"]):
        item.warn(pytest.PytestWarning(f"the session's worker was still busy after {item.nodeid}"))


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


@pytest.fixture
def redis_privado() -> RedisPrivado:
    """The harness's own Redis; the test is skipped when REDIS_URL points at a shared one."""
    privado = RedisPrivado.de_la_sesion(os.environ["REDIS_URL"])
    if privado is None:
        pytest.skip("REDIS_URL points at a Redis the tests did not start; not stopping it")
    return privado


# Daphne
# ------------------------------------------------------------------------------


# The session's Daphne, kept here so it can be started again on its port (see below).
_daphne_de_la_sesion: dict = {}


@pytest.fixture(scope="session")
def daphne(django_db_setup, django_db_blocker):
    """A real Daphne process serving the project (HTTP and WebSockets) against the test database.

    Yields ``(proceso, puerto)``; the base URL is ``http://127.0.0.1:<puerto>``. The port
    stays the same for the whole session, also when the process is started again.
    """
    with django_db_blocker.unblock():
        _daphne_de_la_sesion["proceso"], _daphne_de_la_sesion["puerto"] = iniciar_daphne("daphne")
    yield _daphne_de_la_sesion["proceso"], _daphne_de_la_sesion["puerto"]
    detener(_daphne_de_la_sesion.pop("proceso"))


@pytest.fixture(autouse=True)
def _pila_nueva_tras_reiniciar_redis(request, django_db_blocker):
    """After a test that restarted the session's Redis, start its long-lived clients afresh.

    Each connection a process pooled before the restart fails once when next used
    (channels_redis does not retry a write on a dead connection), so a later, unrelated
    test would see a WebSocket refused or a push lost. The session's Daphne is started
    again on its port, the session's worker at its next use, and this process's channel
    layer and sender loop are dropped.
    """
    yield
    if "redis_privado" not in request.fixturenames:
        return
    from channels.layers import channel_layers

    from notificaciones import capa

    channel_layers.backends.clear()
    viejo = capa._enviador._loop
    if viejo is not None:
        viejo.call_soon_threadsafe(viejo.stop)  # its thread ends; the next send starts a fresh one
    capa._enviador = capa._EnviadorDeGrupos()
    if _worker_activo := request.session.config.stash.get(_CLAVE_WORKER, None):
        if _worker_activo["proceso"] is not None:
            detener(_worker_activo["proceso"])
            _worker_activo["proceso"] = None
    if _daphne_de_la_sesion.get("proceso") is not None:
        detener(_daphne_de_la_sesion["proceso"])
        with django_db_blocker.unblock():
            _daphne_de_la_sesion["proceso"], _ = iniciar_daphne("daphne", puerto=_daphne_de_la_sesion["puerto"])


# localstripe
# ------------------------------------------------------------------------------


@pytest.fixture
def localstripe() -> LocalStripe:
    """The session's localstripe process (a real fake Stripe server), running.

    Started on first use and stopped with the session; started again if a test stopped
    it. Its state is kept across restarts, its data is not emptied between tests (each
    test's orders have their own ids; filter by ``venta_id``).
    """
    assert _localstripe is not None
    if not _localstripe.vivo():
        _localstripe.arrancar()
    return _localstripe


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
