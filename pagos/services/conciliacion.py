"""Reconciliation: orders still waiting for their payment are settled by asking Stripe.

Run by Beat every 5 minutes (``pagos.tasks.conciliar_pagos``). An order waiting more
than ``PAGO_CONCILIAR_DESPUES_MINUTOS`` is settled by its PaymentIntent's status (a lost
task or webhook); one waiting more than ``PAGO_EXPIRA_MINUTOS`` with nothing paid is
expired, its stock back. Never expired while its payment could still succeed: a
PaymentIntent is cancelled at Stripe first (a refusal means it was confirmed meanwhile,
so it is read again and settled), and an order with none is closed first (from then on
the payment task may store none, so it confirms none).
"""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.utils import timezone

from .. import stripe_cliente
from ..models import Pago
from .cobro import _como_dict, _ventas, asentar, cancelar_sin_error, pago_de

logger = logging.getLogger(__name__)

LOTE = 200
# Outcomes that ended the order's wait.
FINALES = {"pagada", "rechazada", "expirada"}


def conciliar(*, ahora=None) -> dict[str, int]:
    """Settle or expire the orders waiting too long; return how many ended each way."""
    from ventas.models import Venta

    ahora = ahora or timezone.now()
    desde = ahora - timedelta(minutes=settings.PAGO_CONCILIAR_DESPUES_MINUTOS)
    vence = ahora - timedelta(minutes=settings.PAGO_EXPIRA_MINUTOS)
    ventas = Venta.objects.filter(estado=Venta.Estado.PENDIENTE_PAGO, fecha_creacion__lt=desde).order_by("pk")
    totales = {"pagada": 0, "rechazada": 0, "expirada": 0, "esperando": 0, "sin_respuesta": 0}
    cliente = stripe_cliente.cliente()
    for venta in ventas[:LOTE]:
        try:
            resultado = conciliar_venta(cliente, venta, vencida=venta.fecha_creacion < vence)
        except stripe.StripeError as error:
            # Down, or refusing this one (an id it does not know): the next run asks again.
            logger.warning("Conciliación: Stripe no respondió por la venta %s: %r", venta.pk, error)
            totales["sin_respuesta"] += 1
            continue
        totales[resultado if resultado in FINALES else "esperando"] += 1
    return totales


def conciliar_venta(cliente: stripe.StripeClient, venta, *, vencida: bool) -> str:
    """Settle one waiting order; expire it if ``vencida`` and nothing was or can still be paid."""
    pago = Pago.objects.filter(venta_id=venta.pk).first()
    if pago is None or not pago.payment_intent_id:
        if not vencida or not _cerrar(venta):
            return "esperando"
        return _expirar(venta.pk)
    intento = _como_dict(cliente.v1.payment_intents.retrieve(pago.payment_intent_id))
    if intento["status"] == "canceled":
        # Only this job cancels a stored PaymentIntent: it died between cancelling and expiring.
        return _expirar(venta.pk)
    resultado = asentar(pago, intento)
    if resultado in FINALES or not vencida or intento["status"] == "processing":
        return resultado
    if not cancelar_sin_error(cliente, pago.payment_intent_id):
        # Stripe refused: it became final in between (paid, most likely). Settle by that.
        return asentar(pago, _como_dict(cliente.v1.payment_intents.retrieve(pago.payment_intent_id)))
    Pago.objects.filter(pk=pago.pk).update(estado_stripe="canceled", client_secret="")
    return _expirar(venta.pk)


def _cerrar(venta) -> bool:
    """Close the payment of an order that has no PaymentIntent; return False if one was stored first."""
    pago = pago_de(venta)
    if pago.cerrado:
        return True
    return bool(Pago.objects.filter(pk=pago.pk, payment_intent_id="").update(cerrado=True))


def _expirar(venta_id: int) -> str:
    _ventas().marcar_expirada(venta_id=venta_id)
    return "expirada"
