"""The order's states and the one function per change between them.

``pendiente_pago`` → ``pagada`` | ``rechazada`` | ``expirada`` (fulfilment's states
come later). Each change is one conditional UPDATE on the state it expects, so when the
payment task, Stripe's webhook and the reconciliation race to settle the same order,
exactly one of them wins and does what the change brings; the others get ``False`` and
do nothing. What a change brings is written in the same transaction: the tasks it
starts as outbox rows, the notifications as rows the consumer replays.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notificaciones.services import notificar
from outbox import services as outbox

from ..models import LineaVenta, MovimientoInventario, Producto, Venta
from .inventario import actualizar_inventario

logger = logging.getLogger(__name__)

Estado = Venta.Estado

# What the buyer's popup says about each state.
TITULOS = {
    Estado.PAGADA: "Pago recibido",
    Estado.RECHAZADA: "Pago rechazado",
    Estado.EXPIRADA: "Pedido expirado",
}


def _cambiar_estado(venta_id: int, *, desde: tuple[str, ...], hacia: str, **campos) -> bool:
    """Move the order from one of ``desde`` to ``hacia``; True only for the caller that did it."""
    return bool(Venta.objects.filter(pk=venta_id, estado__in=desde).update(estado=hacia, **campos))


@transaction.atomic
def marcar_pagada(*, venta_id: int, referencia: str) -> bool:
    """The charge went through: the order is paid, and its pipeline and alerts start, once."""
    if not _cambiar_estado(
        venta_id,
        desde=(Estado.PENDIENTE_PAGO,),
        hacia=Estado.PAGADA,
        pago_referencia=referencia,
        pago_nota="",
        fecha_pago=timezone.now(),
    ):
        return False
    venta = Venta.objects.select_related("comprador").get(pk=venta_id)
    outbox.enqueue("ventas.tasks.procesar_venta_completa", args=[venta.pk])
    outbox.enqueue("almacen.tasks.notificar_almacen", args=[venta.pk, "venta.pagada"])
    _avisar(venta, vendedores=True)
    return True


@transaction.atomic
def marcar_rechazada(*, venta_id: int, motivo: str) -> bool:
    """The card was declined: the order is ``rechazada``, its stock goes back, the buyer is told why."""
    if not _cambiar_estado(venta_id, desde=(Estado.PENDIENTE_PAGO,), hacia=Estado.RECHAZADA, pago_nota=motivo[:500]):
        return False
    venta = Venta.objects.select_related("comprador").get(pk=venta_id)
    _devolver_stock(venta)
    outbox.enqueue("ventas.tasks.enviar_email_pago_rechazado", args=[venta.pk])
    _avisar(venta)
    return True


@transaction.atomic
def marcar_expirada(*, venta_id: int) -> bool:
    """No payment came in time: the order is ``expirada`` and its stock goes back."""
    nota = "No recibimos el pago a tiempo; el pedido se canceló y no se te cobró nada."
    if not _cambiar_estado(venta_id, desde=(Estado.PENDIENTE_PAGO,), hacia=Estado.EXPIRADA, pago_nota=nota):
        return False
    venta = Venta.objects.select_related("comprador").get(pk=venta_id)
    _devolver_stock(venta)
    _avisar(venta)
    return True


@transaction.atomic
def anotar_pago(*, venta_id: int, nota: str) -> bool:
    """Tell the buyer what is happening with a payment still pending (no change of state)."""
    if (
        not Venta.objects.filter(pk=venta_id, estado=Estado.PENDIENTE_PAGO)
        .exclude(pago_nota=nota)
        .update(pago_nota=nota[:500])
    ):
        return False
    _avisar(Venta.objects.select_related("comprador").get(pk=venta_id))
    return True


def _devolver_stock(venta: Venta) -> None:
    """Give every line's units back, with one ``devolucion`` movement each (the database refuses a second)."""
    for linea in venta.lineas.order_by("producto_id"):
        Producto.objects.filter(pk=linea.producto_id).update(stock=F("stock") + linea.cantidad)
        MovimientoInventario.objects.create(
            producto_id=linea.producto_id,
            venta=venta,
            cantidad=linea.cantidad,
            motivo=MovimientoInventario.Motivo.DEVOLUCION,
            stock_resultante=Producto.objects.values_list("stock", flat=True).get(pk=linea.producto_id),
        )
        # Back over the minimum re-arms the supplier's alert for the next crossing.
        actualizar_inventario(producto_id=linea.producto_id)


def _avisar(venta: Venta, *, vendedores: bool = False) -> None:
    """Tell the buyer the order's new state and, when paid, each seller about their lines.

    Each notification locks its user's sequence counter until commit: they are written
    in user id order, so two orders sharing users cannot deadlock.
    """
    avisos = {venta.comprador_id: [_aviso_al_comprador(venta)]}
    if vendedores:
        lineas = list(LineaVenta.objects.filter(venta=venta).select_related("producto").order_by("producto_id"))
        for vendedor_id in sorted({linea.vendedor_id for linea in lineas}):
            suyas = [linea for linea in lineas if linea.vendedor_id == vendedor_id]
            avisos.setdefault(vendedor_id, []).append(_aviso_al_vendedor(venta, suyas))
    usuarios = get_user_model().objects.in_bulk(list(avisos))
    for usuario_id in sorted(avisos):
        for aviso in avisos[usuario_id]:
            notificar(usuario=usuarios[usuario_id], **aviso)


def _aviso_al_comprador(venta: Venta) -> dict:
    return {
        "tipo": "venta_actualizada",
        "titulo": f"{TITULOS.get(venta.estado, venta.get_estado_display())}: pedido {venta.numero}",
        "mensaje": venta.pago_nota,
        "datos": {
            "venta_id": venta.pk,
            "numero": venta.numero,
            "estado": venta.estado,
            "estado_texto": venta.get_estado_display(),
            "nota": venta.pago_nota,
        },
    }


def _aviso_al_vendedor(venta: Venta, lineas: list[LineaVenta]) -> dict:
    monto = sum(linea.subtotal for linea in lineas)
    productos = ", ".join(linea.producto.nombre for linea in lineas)
    return {
        "tipo": "nueva_venta",
        "titulo": f"Nueva venta: {productos}",
        "mensaje": f"{venta.comprador.get_username()} compró "
        + ", ".join(f"{linea.cantidad} × {linea.producto.nombre}" for linea in lineas),
        "datos": {
            "venta_id": venta.pk,
            "numero": venta.numero,
            "monto": str(monto),
            "producto": productos,
            "cantidad": sum(linea.cantidad for linea in lineas),
            # What the seller dashboard needs to add the row and update each stock live.
            "lineas": [
                {
                    "producto_id": linea.producto_id,
                    "producto": linea.producto.nombre,
                    "cantidad": linea.cantidad,
                    "stock": linea.producto.stock,
                }
                for linea in lineas
            ],
        },
    }
