"""The migration of old-style sales (one product each, no payment step) into orders with one line.

Runs the real migrations on the test database: back to 0006, old rows written with the
historical models, forward to the latest; every sale is an order with its line, its
total and a state of the new set, and its inventory movement still points at it.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

ANTES = [("ventas", "0006_envioemail_reclamante")]


def _migrar(destino):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(destino)
    return executor.loader.project_state(destino).apps


def _ultima():
    # Every app's latest, not only ventas': going back to 0006 unapplied the apps that
    # depend on later ventas migrations (pagos, almacen), and the tests after this one
    # need their tables.
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_cada_venta_antigua_es_un_pedido_con_una_linea():
    viejas = _migrar(ANTES)
    User = viejas.get_model("auth", "User")
    Proveedor = viejas.get_model("ventas", "Proveedor")
    Producto = viejas.get_model("ventas", "Producto")
    Venta = viejas.get_model("ventas", "Venta")
    Movimiento = viejas.get_model("ventas", "MovimientoInventario")
    vendedor = User.objects.create(username="vieja_vendedora")
    comprador = User.objects.create(username="viejo_comprador")
    proveedor = Proveedor.objects.create(nombre="Proveedor viejo", email="p@example.com")
    taza = Producto.objects.create(
        nombre="Taza", precio=Decimal("120.50"), stock=7, vendedor=vendedor, proveedor=proveedor
    )
    estados = {"pendiente": "pagada", "completada": "pagada", "cancelada": "cancelada"}
    ids = {}
    for n, estado in enumerate(estados, start=1):
        venta = Venta.objects.create(
            numero=f"20260101-0000{n}",
            producto=taza,
            comprador=comprador,
            vendedor=vendedor,
            cantidad=n,
            precio_unitario=taza.precio,
            monto=taza.precio * n,
            estado=estado,
            email_enviado=estado == "completada",
        )
        Movimiento.objects.create(producto=taza, venta=venta, cantidad=-n, motivo="venta", stock_resultante=10 - n)
        ids[estado] = venta.pk

    nuevas = _migrar(_ultima())
    Venta = nuevas.get_model("ventas", "Venta")
    LineaVenta = nuevas.get_model("ventas", "LineaVenta")
    Movimiento = nuevas.get_model("ventas", "MovimientoInventario")
    assert Venta.objects.count() == 3
    assert LineaVenta.objects.count() == 3
    for n, (estado_viejo, estado_nuevo) in enumerate(estados.items(), start=1):
        venta = Venta.objects.get(pk=ids[estado_viejo])
        assert venta.estado == estado_nuevo
        assert venta.numero == f"20260101-0000{n}"
        assert venta.total == Decimal("120.50") * n
        assert venta.comprador_id == comprador.pk
        assert venta.email_enviado == (estado_viejo == "completada")
        assert (venta.fecha_pago is not None) == (estado_nuevo == "pagada")
        (linea,) = LineaVenta.objects.filter(venta=venta)
        assert (linea.producto_id, linea.vendedor_id, linea.cantidad) == (taza.pk, vendedor.pk, n)
        assert (linea.precio_unitario, linea.subtotal) == (Decimal("120.50"), Decimal("120.50") * n)
        assert Movimiento.objects.get(venta=venta).cantidad == -n
