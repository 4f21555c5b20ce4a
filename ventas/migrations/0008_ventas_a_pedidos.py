"""Orders, step 2 of 3: every sale becomes an order with one line; nothing is lost.

A sale of the old shape was confirmed without a payment step: a ``pendiente`` or
``completada`` one counts as paid (at its creation time), a ``cancelada`` one stays
cancelled. The address was never asked for; it stays empty on those orders.
Reversible only on a database without sales: 0009 drops the columns a sale of one product
had, and they cannot be filled back for an order of several lines.
"""

from django.db import migrations
from django.db.migrations import exceptions

ESTADOS = {"pendiente": "pagada", "completada": "pagada", "cancelada": "cancelada"}


def a_pedidos(apps, schema_editor):
    Venta = apps.get_model("ventas", "Venta")
    LineaVenta = apps.get_model("ventas", "LineaVenta")
    for venta in Venta.objects.order_by("pk").iterator(chunk_size=500):
        LineaVenta.objects.create(
            venta_id=venta.pk,
            producto_id=venta.producto_id,
            vendedor_id=venta.vendedor_id,
            cantidad=venta.cantidad,
            precio_unitario=venta.precio_unitario,
            subtotal=venta.monto,
        )
        estado = ESTADOS.get(venta.estado, venta.estado)
        Venta.objects.filter(pk=venta.pk).update(
            total=venta.monto,
            estado=estado,
            fecha_pago=venta.fecha_creacion if estado == "pagada" else None,
        )


def solo_sin_ventas(apps, schema_editor):
    if apps.get_model("ventas", "Venta").objects.exists():
        raise exceptions.IrreversibleError("Las ventas ya son pedidos: no se pueden volver a separar.")


class Migration(migrations.Migration):
    dependencies = [("ventas", "0007_pedidos")]

    operations = [migrations.RunPython(a_pedidos, solo_sin_ventas)]
