"""Inventory: restocking and adjustments, and the low-stock check that alerts the supplier once per crossing.

Stock changes only through a movement: a sale or a return (``compras``, ``estados``),
a restock or an adjustment (here). Each is one conditional ``UPDATE`` relative to the
row's current value, so none overwrites another however they interleave, and the
ledger (``MovimientoInventario``) always sums to the stock.
"""

from django.db import transaction
from django.db.models import F

from outbox import services as outbox

from ..emails import construir_email, enviar_email_una_vez
from ..models import MovimientoInventario, Producto
from .compras import CantidadInvalida, StockInsuficiente

# The reasons a person may give for changing stock by hand (sales and returns are the checkout's).
MOTIVOS_DE_AJUSTE = (MovimientoInventario.Motivo.AJUSTE, MovimientoInventario.Motivo.REPOSICION)
# The largest change one adjustment may make, either way.
MAX_AJUSTE = 100_000


@transaction.atomic
def ajustar_stock(*, producto_id: int, cantidad: int, motivo: str, productos=None) -> MovimientoInventario:
    """Add (or with a negative ``cantidad`` take) stock, recorded as one movement; return it.

    ``motivo`` is REPOSICION (positive only) or AJUSTE. The change is the same kind of
    conditional update as a sale, ``UPDATE … SET stock = stock + n WHERE stock + n >= 0``:
    a sale committing at the same moment is never overwritten, and an adjustment that
    would leave the stock below zero raises ``StockInsuficiente`` and changes nothing.
    ``productos`` narrows whose product it may be (a seller's own); outside it, or
    missing, raises ``Producto.DoesNotExist``. The low-stock crossing is checked after.
    """
    if motivo not in MOTIVOS_DE_AJUSTE:
        raise CantidadInvalida("Elige un motivo: ajuste o reposición.")
    if cantidad == 0 or abs(cantidad) > MAX_AJUSTE:
        raise CantidadInvalida(f"La cantidad debe ser distinta de cero y de a lo más {MAX_AJUSTE:,} unidades.")
    if motivo == MovimientoInventario.Motivo.REPOSICION and cantidad < 0:
        raise CantidadInvalida("Una reposición suma unidades; para restar usa un ajuste.")
    productos = Producto.objects.all() if productos is None else productos
    cambiados = productos.filter(pk=producto_id, stock__gte=-cantidad).update(stock=F("stock") + cantidad)
    # Our UPDATE holds the row (PostgreSQL's row lock, SQLite's write lock) until commit:
    # the value read now is the one it left.
    producto = productos.get(pk=producto_id)
    if not cambiados:
        raise StockInsuficiente(
            f"No puedes restar {-cantidad} unidades de «{producto.nombre}»: solo hay {producto.stock}."
        )
    movimiento = MovimientoInventario.objects.create(
        producto=producto, cantidad=cantidad, motivo=motivo, stock_resultante=producto.stock
    )
    actualizar_inventario(producto_id=producto_id)
    return movimiento


def reponer_stock(*, producto_id: int, cantidad: int) -> Producto:
    """Add stock from the supplier; re-arms the low-stock alert once over the minimum."""
    if cantidad <= 0:
        raise CantidadInvalida("La reposición debe ser positiva.")
    return ajustar_stock(
        producto_id=producto_id, cantidad=cantidad, motivo=MovimientoInventario.Motivo.REPOSICION
    ).producto


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
