import copy
import sys

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import connections

from pruebas import procesos
from pruebas.factories import UsuarioFactory
from pruebas.procesos import cookie_de_sesion, detener, esperar, puerto_libre


@pytest.fixture(autouse=True)
def _capa_nueva():
    """Give each test a fresh Redis channel layer: pytest-asyncio runs each test in a new loop."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def vendedor(transactional_db):
    return UsuarioFactory(username="vendedor_ws")


@pytest.fixture
def otro(transactional_db):
    return UsuarioFactory(username="otro_ws")


@pytest.fixture
def usuario_con_sesion(transactional_db):
    """Return an async maker of a user logged in as a browser would be.

    ``usuario, cookie = await usuario_con_sesion("ana")``: ``cookie`` is the Cookie
    header value of the user's session, for a real WebSocket or HTTP client.
    """

    @database_sync_to_async
    def crear(username: str, **campos):
        usuario = UsuarioFactory(username=username, **campos)
        return usuario, cookie_de_sesion(usuario)

    return crear


@pytest.fixture
async def cerrar_conexiones_de_hilos():
    """Close the database connections the test opened in asgiref's worker thread.

    ``database_sync_to_async`` runs the ORM in a long-lived thread; with CONN_MAX_AGE its
    PostgreSQL connection would outlive the test and block dropping the test database.
    """
    yield
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def expiry_corta(settings) -> int:
    """Give the channel layer a 1 s expiry in this process, for its consumers and senders.

    A push older than the expiry is dropped from Redis unread; the sender's setting is
    the one that counts (channels_redis prunes and sets the key's TTL on send).
    """
    capas = copy.deepcopy(settings.CHANNEL_LAYERS)
    capas["default"]["CONFIG"]["expiry"] = 1
    settings.CHANNEL_LAYERS = capas  # channels drops its cached layers on the change
    return 1


@pytest.fixture
def daphne_lento(django_db_setup):
    """Start Daphnes serving notificaciones/tests/asgi_lento.py: ``puerto = daphne_lento(nombre, **entorno)``.

    ``entorno`` says what is slow (see that module); each is stopped after the test.
    """
    iniciados = []

    def iniciar(nombre: str, **entorno: str) -> int:
        puerto = puerto_libre()
        comando = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(puerto)]
        proceso = procesos.lanzar(nombre, [*comando, "notificaciones.tests.asgi_lento:application"], **entorno)
        iniciados.append(proceso)
        esperar(lambda: proceso.poll() is not None or procesos.responde_http(puerto), timeout=30, mensaje="Daphne")
        assert proceso.poll() is None, f"Daphne exited; see {procesos.LOG_DIR / f'{nombre}.log'}"
        return puerto

    yield iniciar
    for proceso in iniciados:
        detener(proceso)
