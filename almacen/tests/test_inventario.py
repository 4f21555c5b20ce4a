"""Stock that comes back with a cancellation re-arms the supplier's low-stock alert: one alert per crossing."""

from almacen import services
from outbox.models import OutboxMessage
from pruebas.pedidos import comprar_y_pagar
from ventas import services as ventas


def test_cancelar_rearma_la_alerta_y_el_siguiente_cruce_avisa_otra_vez(comprador, producto):
    type(producto).objects.filter(pk=producto.pk).update(stock=6, stock_minimo=5)
    alertas = OutboxMessage.objects.filter(task_name="ventas.tasks.notificar_stock_bajo")

    primera = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=2)
    assert ventas.actualizar_inventario(producto_id=producto.pk)  # 6 → 4: crossing 1
    assert not ventas.actualizar_inventario(producto_id=producto.pk)  # the same crossing: no second alert

    services.cancelar(venta_id=primera.pk)  # 4 → 6, back over the minimum
    producto.refresh_from_db()
    assert (producto.stock, producto.alerta_stock_enviada) == (6, False)

    comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=2)
    assert ventas.actualizar_inventario(producto_id=producto.pk)  # 6 → 4: crossing 2
    producto.refresh_from_db()
    assert (producto.stock, producto.cruces_stock_bajo) == (4, 2)
    assert sorted(m.args for m in alertas.filter(args__0=producto.pk)) == [[producto.pk, 1], [producto.pk, 2]]
