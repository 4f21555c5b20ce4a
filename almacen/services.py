"""Fulfilment: the warehouse moves a paid order to ``preparada``, ``enviada`` and ``entregada``;
the buyer (or staff) may cancel it until it is shipped.

Each change is one conditional UPDATE on the states it expects, so when the buyer
cancels while the warehouse ships, exactly one wins; the other gets
:class:`TransicionInvalida` with a message for them. What a change brings is written in
the same transaction: the notifications (buyer, sellers, warehouse), the emails and the
refund as outbox rows.
"""

import logging

from django.db import transaction
from django.utils import timezone

from outbox import services as outbox
from pagos import reembolsos
from ventas.models import ESTADOS_CANCELABLES, Venta
from ventas.services.estados import _cambiar_estado, _devolver_stock

from . import avisos, entregas
from .models import EventoAlmacen

logger = logging.getLogger(__name__)

Estado = Venta.Estado


class TransicionInvalida(Exception):
    """The order is not in a state this change starts from; the message says why, for the person who asked."""


# What the person who asked is told when the order had moved on meanwhile.
_YA = {
    Estado.CANCELADA: "El pedido {numero} fue cancelado; no lo prepares ni lo envíes.",
    Estado.ENVIADA: "El pedido {numero} ya salió del almacén (enviado); ya no se puede cancelar.",
    Estado.ENTREGADA: "El pedido {numero} ya fue entregado.",
    Estado.PREPARADA: "El pedido {numero} ya está preparado.",
    Estado.PENDIENTE_PAGO: "El pedido {numero} aún no está pagado.",
}


def _rechazo(venta_id: int, accion: str) -> TransicionInvalida:
    venta = Venta.objects.filter(pk=venta_id).only("numero", "estado").first()
    if venta is None:
        return TransicionInvalida("Ese pedido no existe.")
    if accion == "cancelar" and venta.estado == Estado.CANCELADA:
        return TransicionInvalida(f"El pedido {venta.numero} ya está cancelado.")
    plantilla = _YA.get(venta.estado, "El pedido {numero} está {estado}: no se puede " + accion + ".")
    return TransicionInvalida(plantilla.format(numero=venta.numero, estado=venta.get_estado_display().lower()))


def _venta(venta_id: int) -> Venta:
    return Venta.objects.select_related("comprador").get(pk=venta_id)


@transaction.atomic
def preparar(*, venta_id: int) -> Venta:
    """Mark a paid order packed (``pagada`` → ``preparada``)."""
    if not _cambiar_estado(venta_id, desde=(Estado.PAGADA,), hacia=Estado.PREPARADA, fecha_preparada=timezone.now()):
        raise _rechazo(venta_id, "preparar")
    venta = _venta(venta_id)
    avisos.avisar_cambio(venta)
    return venta


@transaction.atomic
def enviar(*, venta_id: int, transportista: str, guia: str) -> Venta:
    """Hand a packed order to the carrier (``preparada`` → ``enviada``), with its tracking number; email the buyer."""
    transportista, guia = transportista.strip(), guia.strip()
    if not transportista or not guia:
        raise TransicionInvalida("Indica el transportista y el número de guía.")
    if len(transportista) > 100 or len(guia) > 100:
        raise TransicionInvalida("El transportista y la guía tienen 100 caracteres como máximo.")
    if not _cambiar_estado(
        venta_id,
        desde=(Estado.PREPARADA,),
        hacia=Estado.ENVIADA,
        transportista=transportista,
        guia=guia,
        fecha_enviada=timezone.now(),
    ):
        raise _rechazo(venta_id, "enviar")
    venta = _venta(venta_id)
    outbox.enqueue("almacen.tasks.enviar_email_envio", args=[venta.pk])
    avisos.avisar_cambio(venta)
    return venta


@transaction.atomic
def entregar(*, venta_id: int) -> Venta:
    """Record that the buyer received it (``enviada`` → ``entregada``); email the buyer."""
    if not _cambiar_estado(venta_id, desde=(Estado.ENVIADA,), hacia=Estado.ENTREGADA, fecha_entregada=timezone.now()):
        raise _rechazo(venta_id, "entregar")
    venta = _venta(venta_id)
    outbox.enqueue("almacen.tasks.enviar_email_entrega", args=[venta.pk])
    avisos.avisar_cambio(venta)
    return venta


@transaction.atomic
def cancelar(*, venta_id: int) -> Venta:
    """Cancel an order not shipped yet (``pagada``/``preparada`` → ``cancelada``): refund, stock back, tell everyone.

    The refund is a ``pagos.Reembolso`` row and its task in the outbox; the stock comes
    back with one movement per line (the database refuses a second); the warehouse hears
    it (its page drops the order, the external system gets ``venta.cancelada``).
    """
    if not _cambiar_estado(venta_id, desde=ESTADOS_CANCELABLES, hacia=Estado.CANCELADA, fecha_cancelada=timezone.now()):
        raise _rechazo(venta_id, "cancelar")
    venta = _venta(venta_id)
    _devolver_stock(venta)
    reembolsos.solicitar_reembolso(venta)
    outbox.enqueue("almacen.tasks.enviar_email_cancelacion", args=[venta.pk])
    outbox.enqueue("almacen.tasks.notificar_almacen", args=[venta.pk, "venta.cancelada"])
    avisos.avisar_cambio(venta, almacen=False)
    return venta


@transaction.atomic
def notificar_almacen(*, venta_id: int, tipo: str) -> bool:
    """Tell the warehouse an order was paid or cancelled, once: its users live, the external system by webhook.

    ``tipo`` is ``venta.pagada`` or ``venta.cancelada``. Return False when this event had
    been told already (the task ran twice) or the order does not exist.
    """
    if tipo not in EventoAlmacen.Tipo.values:
        raise ValueError(f"Evento del almacén desconocido: {tipo!r}")
    venta = Venta.objects.select_related("comprador").filter(pk=venta_id).first()
    if venta is None:
        logger.warning("Venta %s no existe; nada que avisar al almacén", venta_id)
        return False
    if tipo == EventoAlmacen.Tipo.CANCELADA:
        # Its "paid" event goes first, even when that task is late: the events of an
        # order are delivered in the order of their rows.
        entregas.registrar(venta, EventoAlmacen.Tipo.PAGADA)
    _, creado = entregas.registrar(venta, tipo)
    if creado:
        avisos.avisar_al_almacen(venta)
    return creado
