import pytest

from myproject.testing import usar_hash_rapido

from .factories import ProductoFactory, UsuarioFactory


@pytest.fixture
def comprador(db):
    return UsuarioFactory(username="comprador_prueba")


@pytest.fixture
def vendedor(db):
    return UsuarioFactory(username="vendedor_prueba")


@pytest.fixture
def producto(vendedor):
    return ProductoFactory(vendedor=vendedor, nombre="Café de prueba", stock=10, stock_minimo=3)


@pytest.fixture
def cliente_comprador(client, comprador):
    client.force_login(comprador)
    return client


@pytest.fixture(autouse=True)
def _hash_rapido(settings):
    usar_hash_rapido(settings)
