"""The warehouse's reads: the orders to prepare, ship and deliver, with their lines."""

from django.db.models import QuerySet

from ventas.models import Venta


def ventas_del_almacen(estado: str) -> QuerySet[Venta]:
    """Return the orders in ``estado``, oldest paid first, with their lines and products."""
    return (
        Venta.objects.filter(estado=estado)
        .select_related("comprador")
        .prefetch_related("lineas__producto")
        .order_by("fecha_pago", "pk")
    )
