import pytest

from pruebas.factories import ProductoFactory, ProveedorFactory, UsuarioFactory


@pytest.fixture
def vendedora(db):
    return UsuarioFactory(username="vendedora")


@pytest.fixture
def proveedor(db):
    return ProveedorFactory(nombre="Distribuidora de prueba")


@pytest.fixture
def producto(vendedora, proveedor):
    return ProductoFactory(vendedor=vendedora, proveedor=proveedor, nombre="Café de Chiapas", stock=10, stock_minimo=3)


@pytest.fixture
def cliente_vendedora(client, vendedora, producto):
    client.force_login(vendedora)
    return client
