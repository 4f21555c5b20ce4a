"""Buying: reserve the stock and register the sale, for one product or a whole cart.

Each purchase is one transaction; the sale's slow work (stock check, invoice, email:
``tasks.procesar_venta_completa``) is an outbox row of that transaction, published after commit.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notificaciones.services import notificar

from .. import selectors
from ..models import MovimientoInventario, Producto, Venta
from . import postventa


class ErrorVenta(Exception):
    """A purchase the shopper can fix: the message is shown to them as is."""


class StockInsuficiente(ErrorVenta):
    pass


class CarritoVacio(ErrorVenta):
    pass


class CantidadInvalida(ErrorVenta):
    pass


def validar_cantidad(cantidad: int) -> None:
    """Raise CantidadInvalida unless one line may hold ``cantidad`` units."""
    if not 1 <= cantidad <= settings.MAX_CANTIDAD_POR_COMPRA:
        raise CantidadInvalida(f"La cantidad debe estar entre 1 y {settings.MAX_CANTIDAD_POR_COMPRA}.")


def _reservar_stock(producto_id: int, cantidad: int) -> Producto:
    """Take ``cantidad`` units out of stock, or raise: never below zero.

    One conditional UPDATE: the database re-checks ``stock >= cantidad`` on the row it
    writes, under its own row lock, so concurrent buyers cannot oversell on SQLite or
    PostgreSQL.
    """
    reservado = Producto.objects.filter(pk=producto_id, activo=True, stock__gte=cantidad).update(
        stock=F("stock") - cantidad
    )
    producto = selectors.productos_activos().filter(pk=producto_id).first()
    if producto is None:
        raise Producto.DoesNotExist(f"No existe el producto {producto_id}.")
    if not reservado:
        if producto.stock == 0:
            raise StockInsuficiente(f"«{producto.nombre}» está agotado.")
        raise StockInsuficiente(f"Solo quedan {producto.stock} unidades de «{producto.nombre}».")
    return producto


def _registrar_venta(*, comprador, producto: Producto, cantidad: int) -> Venta:
    venta = Venta.objects.create(
        producto=producto,
        comprador=comprador,
        vendedor=producto.vendedor,
        cantidad=cantidad,
        precio_unitario=producto.precio,
        monto=producto.precio * cantidad,
    )
    venta.numero = f"{timezone.localdate(venta.fecha_creacion):%Y%m%d}-{venta.pk:05d}"
    venta.save(update_fields=["numero"])
    MovimientoInventario.objects.create(
        producto=producto,
        venta=venta,
        cantidad=-cantidad,
        motivo=MovimientoInventario.Motivo.VENTA,
        stock_resultante=producto.stock,
    )
    notificar(
        usuario=producto.vendedor,
        tipo="nueva_venta",
        titulo=f"Nueva venta: {producto.nombre}",
        mensaje=f"{comprador.get_username()} compró {cantidad} × {producto.nombre}",
        datos={
            "venta_id": venta.pk,
            "numero": venta.numero,
            "monto": str(venta.monto),
            # What the seller dashboard needs to add the row and update the stock live.
            "producto_id": producto.pk,
            "producto": producto.nombre,
            "cantidad": cantidad,
            "stock": producto.stock,
        },
    )
    # Looked up on the module at call time, so a test can redirect every dispatch.
    postventa.despachar_trabajo_de_venta(venta.pk)
    return venta


@transaction.atomic
def comprar(*, comprador, producto_id: int, cantidad: int) -> Venta:
    """Buy ``cantidad`` units of one product; the slow work is queued with the sale and runs after commit."""
    validar_cantidad(cantidad)
    producto = _reservar_stock(producto_id, cantidad)
    return _registrar_venta(comprador=comprador, producto=producto, cantidad=cantidad)


@transaction.atomic
def comprar_carrito(*, usuario) -> list[Venta]:
    """Check the whole cart out: every item is bought, or none is.

    Each item is a sale with its own outbox row; the transaction's rows are published
    together after commit, in one callback over one broker connection.
    """
    carrito = selectors.carrito_abierto(usuario, bloquear=True)
    # Products in id order, so two checkouts lock rows in the same order.
    items = list(selectors.items_del_carrito(carrito).order_by("producto_id")) if carrito else []
    if not items:
        raise CarritoVacio("Tu carrito está vacío.")
    reservados = [(_reservar_stock(item.producto_id, item.cantidad), item.cantidad) for item in items]
    # Each sale locks its seller's notification counter until commit: taken in seller
    # order, after every stock row, two carts with the same sellers cannot deadlock.
    reservados.sort(key=lambda reservado: (reservado[0].vendedor_id, reservado[0].pk))
    ventas = [
        _registrar_venta(comprador=usuario, producto=producto, cantidad=cantidad) for producto, cantidad in reservados
    ]
    carrito.comprado = True
    carrito.save(update_fields=["comprado", "ultima_modificacion"])
    return ventas
