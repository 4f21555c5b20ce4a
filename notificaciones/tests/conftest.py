import pytest
from channels.layers import channel_layers

from ventas.tests.factories import UsuarioFactory


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
