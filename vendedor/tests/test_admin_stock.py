"""The admin's product form cannot write a stock back; its action adjusts through a movement."""

import pytest

from pruebas import pedidos
from pruebas.factories import UsuarioFactory
from ventas.models import MovimientoInventario


@pytest.fixture
def admin_cliente(client, db):
    admin = UsuarioFactory(username="jefa", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_guardar_el_formulario_no_pisa_una_venta(admin_cliente, producto):
    url = f"/admin/ventas/producto/{producto.pk}/change/"
    formulario = admin_cliente.get(url).content.decode()
    assert 'name="stock"' not in formulario  # read-only
    pedidos.comprar(comprador=UsuarioFactory(username="alguien"), producto_id=producto.pk, cantidad=4)
    datos = {
        "nombre": "Café de Chiapas 1 kg",
        "descripcion": "",
        "precio": "189.00",
        "stock": "999",  # ignored: not a field of the form
        "stock_minimo": "3",
        "vendedor": producto.vendedor_id,
        "proveedor": producto.proveedor_id,
        "activo": "on",
    }
    respuesta = admin_cliente.post(url, datos)
    assert respuesta.status_code == 302, respuesta.content.decode()[:2000]
    producto.refresh_from_db()
    assert producto.nombre == "Café de Chiapas 1 kg" and producto.stock == 6
    assert producto.busqueda.startswith("cafe de chiapas 1 kg")


def test_la_accion_ajusta_con_un_movimiento(admin_cliente, producto):
    url = "/admin/ventas/producto/"
    base = {"action": "ajustar_stock", "_selected_action": [producto.pk]}
    intermedia = admin_cliente.post(url, base)
    assert intermedia.status_code == 200 and 'name="cantidad"' in intermedia.content.decode()
    respuesta = admin_cliente.post(url, {**base, "aplicar": "1", "motivo": "ajuste", "cantidad": "-4"})
    assert respuesta.status_code == 302
    producto.refresh_from_db()
    assert producto.stock == 6
    movimiento = MovimientoInventario.objects.get(producto=producto)
    assert (movimiento.motivo, movimiento.cantidad, movimiento.stock_resultante) == ("ajuste", -4, 6)
    # Below zero: refused with its reason, nothing written.
    respuesta = admin_cliente.post(url, {**base, "aplicar": "1", "motivo": "ajuste", "cantidad": "-7"}, follow=True)
    assert "solo hay 6" in respuesta.content.decode()
    producto.refresh_from_db()
    assert producto.stock == 6 and MovimientoInventario.objects.filter(producto=producto).count() == 1
