"""Inventory: restocking, and the low-stock check that alerts the supplier once per crossing."""

from django.db import transaction
from django.db.models import F

from outbox import services as outbox

from ..emails import construir_email, enviar_email_una_vez
from ..models import MovimientoInventario, Producto
from .compras import CantidadInvalida


@transaction.atomic
def reponer_stock(*, producto_id: int, cantidad: int) -> Producto:
    """Add stock from the supplier; re-arms the low-stock alert once over the minimum."""
    if cantidad <= 0:
        raise CantidadInvalida("La reposición debe ser positiva.")
    Producto.objects.filter(pk=producto_id).update(stock=F("stock") + cantidad)
    producto = Producto.objects.get(pk=producto_id)
    MovimientoInventario.objects.create(
        producto=producto,
        cantidad=cantidad,
        motivo=MovimientoInventario.Motivo.REPOSICION,
        stock_resultante=producto.stock,
    )
    actualizar_inventario(producto_id=producto_id)
    return producto


@transaction.atomic
def actualizar_inventario(*, producto_id: int) -> bool:
    """Check a product's stock: alert the supplier when it crossed under the minimum; return whether it did.

    The product row is locked, so two workers checking at once see one crossing, and
    the alert is an outbox row of the same transaction as the flag: committed together,
    it cannot be lost between them. The flag is cleared when stock is back over the
    minimum, ready for the next crossing.
    """
    producto = Producto.objects.select_for_update().get(pk=producto_id)
    if producto.stock_bajo and not producto.alerta_stock_enviada:
        producto.alerta_stock_enviada = True
        producto.cruces_stock_bajo += 1
        producto.save(update_fields=["alerta_stock_enviada", "cruces_stock_bajo"])
        outbox.enqueue("ventas.tasks.notificar_stock_bajo", args=[producto.pk, producto.cruces_stock_bajo])
        return True
    if not producto.stock_bajo and producto.alerta_stock_enviada:
        producto.alerta_stock_enviada = False
        producto.save(update_fields=["alerta_stock_enviada"])
    return False


def notificar_stock_bajo(*, producto_id: int, cruce: int) -> bool:
    """Tell the supplier that a product fell under its minimum stock, once per crossing."""
    producto = Producto.objects.select_related("proveedor").get(pk=producto_id)
    return enviar_email_una_vez(
        f"stock_bajo:producto:{producto.pk}:{cruce}",
        lambda: construir_email(
            plantilla="stock_bajo",
            asunto=f"Stock bajo: {producto.nombre}",
            para=[producto.proveedor.email],
            contexto={"producto": producto},
        ),
    )
