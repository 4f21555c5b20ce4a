import pytest

from pruebas.factories import ProductoFactory, UsuarioFactory


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
