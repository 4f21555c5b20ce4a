"""Buying: reserve the stock and create the order, for one product or a whole cart.

A checkout is one transaction: every line's stock is reserved with a conditional update
(all lines or none), the order is written in ``pendiente_pago`` with its lines, its
shipping address and one inventory movement per line, and one outbox row asks the
``pagos`` worker to charge it. Nothing slow happens in the request; the order's
pipeline runs once it is paid (``estados.marcar_pagada``).
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox import services as outbox

from .. import selectors
from ..models import DireccionEnvio, LineaVenta, MovimientoInventario, Producto, Venta

# A Stripe PaymentMethod id (pm_…), or a card id (card_…, what localstripe's Stripe.js
# mock hands out; a PaymentIntent takes it as payment_method). Not a token (tok_…): a
# PaymentIntent refuses one.
METODO_DE_PAGO = re.compile(r"(pm|card)_[A-Za-z0-9_]{1,200}")


class ErrorVenta(Exception):
    """A purchase the shopper can fix: the message is shown to them as is."""


class StockInsuficiente(ErrorVenta):
    pass


class CarritoVacio(ErrorVenta):
    pass


class CantidadInvalida(ErrorVenta):
    pass


class ProductoNoDisponible(ErrorVenta):
    """A product of the cart was taken off sale after it went in."""


class CompraPropia(ErrorVenta):
    pass


class MetodoDePagoInvalido(ErrorVenta):
    pass


@dataclass(frozen=True)
class DatosEnvio:
    """Where an order goes: copied onto the order, so a later change of address does not move it."""

    nombre: str
    direccion: str
    ciudad: str
    codigo_postal: str
    telefono: str = ""

    @classmethod
    def de_direccion(cls, direccion: DireccionEnvio) -> "DatosEnvio":
        return cls(
            nombre=direccion.nombre,
            direccion=direccion.direccion,
            ciudad=direccion.ciudad,
            codigo_postal=direccion.codigo_postal,
            telefono=direccion.telefono,
        )

    def campos_de_venta(self) -> dict[str, str]:
        return {
            "envio_nombre": self.nombre,
            "envio_direccion": self.direccion,
            "envio_ciudad": self.ciudad,
            "envio_codigo_postal": self.codigo_postal,
            "envio_telefono": self.telefono,
        }


def validar_cantidad(cantidad: int) -> None:
    """Raise CantidadInvalida unless one line may hold ``cantidad`` units."""
    if not 1 <= cantidad <= settings.MAX_CANTIDAD_POR_COMPRA:
        raise CantidadInvalida(f"La cantidad debe estar entre 1 y {settings.MAX_CANTIDAD_POR_COMPRA}.")


def validar_metodo_de_pago(metodo_pago: str) -> None:
    if not METODO_DE_PAGO.fullmatch(metodo_pago or ""):
        raise MetodoDePagoInvalido("No recibimos los datos de tu tarjeta; vuelve a escribirlos.")


def _reservar_stock(producto_id: int, cantidad: int) -> Producto:
    """Take ``cantidad`` units out of stock, or raise: never below zero.

    One conditional UPDATE: the database re-checks ``stock >= cantidad`` on the row it
    writes, under its own row lock, so concurrent buyers cannot oversell on SQLite or
    PostgreSQL. An inactive or missing product raises ``Producto.DoesNotExist``.
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


def _crear_venta(*, comprador, pedido: list[tuple[int, int]], envio: DatosEnvio, metodo_pago: str) -> Venta:
    """Reserve every line of ``pedido`` ([(producto_id, cantidad)]) and write the order; in a transaction."""
    validar_metodo_de_pago(metodo_pago)
    for _, cantidad in pedido:
        validar_cantidad(cantidad)
    # Products in id order, so two checkouts lock rows in the same order.
    reservados = [(_reservar_stock(producto_id, cantidad), cantidad) for producto_id, cantidad in sorted(pedido)]
    if any(producto.vendedor_id == comprador.pk for producto, _ in reservados):
        raise CompraPropia("No puedes comprar tus propios productos.")
    total = sum((producto.precio * cantidad for producto, cantidad in reservados), Decimal("0"))
    venta = Venta.objects.create(comprador=comprador, total=total, metodo_pago=metodo_pago, **envio.campos_de_venta())
    venta.numero = f"{timezone.localdate(venta.fecha_creacion):%Y%m%d}-{venta.pk:05d}"
    venta.save(update_fields=["numero"])
    LineaVenta.objects.bulk_create(
        LineaVenta(
            venta=venta,
            producto=producto,
            vendedor_id=producto.vendedor_id,
            cantidad=cantidad,
            precio_unitario=producto.precio,
            subtotal=producto.precio * cantidad,
        )
        for producto, cantidad in reservados
    )
    MovimientoInventario.objects.bulk_create(
        MovimientoInventario(
            producto=producto,
            venta=venta,
            cantidad=-cantidad,
            motivo=MovimientoInventario.Motivo.VENTA,
            stock_resultante=producto.stock,
        )
        for producto, cantidad in reservados
    )
    # The one slow step the checkout starts: the charge, in the ``pagos`` worker.
    outbox.enqueue("pagos.tasks.cobrar_venta", args=[venta.pk])
    return venta


@transaction.atomic
def comprar(*, comprador, producto_id: int, cantidad: int, envio: DatosEnvio, metodo_pago: str) -> Venta:
    """Order ``cantidad`` units of one product, to be paid with ``metodo_pago``; answer at once."""
    return _crear_venta(comprador=comprador, pedido=[(producto_id, cantidad)], envio=envio, metodo_pago=metodo_pago)


@transaction.atomic
def comprar_carrito(*, usuario, envio: DatosEnvio, metodo_pago: str) -> Venta:
    """Check the whole cart out as one order: every item is reserved, or none is."""
    carrito = selectors.carrito_abierto(usuario, bloquear=True)
    items = list(selectors.items_del_carrito(carrito)) if carrito else []
    if not items:
        raise CarritoVacio("Tu carrito está vacío.")
    for item in items:
        if not item.producto.activo:
            raise ProductoNoDisponible(f"«{item.producto.nombre}» ya no está a la venta; quítalo de tu carrito.")
    try:
        venta = _crear_venta(
            comprador=usuario,
            pedido=[(item.producto_id, item.cantidad) for item in items],
            envio=envio,
            metodo_pago=metodo_pago,
        )
    except Producto.DoesNotExist:
        # Taken off sale between the check above and the reservation.
        raise ProductoNoDisponible("Un producto de tu carrito ya no está a la venta; revisa tu carrito.") from None
    carrito.comprado = True
    carrito.save(update_fields=["comprado", "ultima_modificacion"])
    return venta


def guardar_direccion(*, usuario, envio: DatosEnvio) -> DireccionEnvio:
    """Save a buyer's address for their next checkouts (the same one twice is kept once)."""
    direccion, _ = DireccionEnvio.objects.get_or_create(
        usuario=usuario,
        nombre=envio.nombre,
        direccion=envio.direccion,
        ciudad=envio.ciudad,
        codigo_postal=envio.codigo_postal,
        telefono=envio.telefono,
    )
    return direccion
