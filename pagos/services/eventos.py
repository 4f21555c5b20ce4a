"""Stripe's webhook events: stored once by their id, then processed by a task.

The view verifies the signature and calls :func:`registrar_evento`, which stores the
event and writes its processing task to the outbox in one transaction: a replayed event
finds its row and adds nothing. :func:`procesar_evento` (the task) settles the order
through :func:`~pagos.services.cobro.asentar`, the same conditional transitions the
payment task uses, so the event and the task's own result may arrive in any order.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox import services as outbox

from ..models import EventoStripe, Pago
from .cobro import asentar

logger = logging.getLogger(__name__)

TIPOS_DE_PAGO = {"payment_intent.succeeded", "payment_intent.payment_failed"}


class EventoInvalido(ValueError):
    """A signed body that is not a Stripe event (no id or no type)."""


def registrar_evento(*, datos: dict) -> bool:
    """Store the verified event ``datos`` and queue its processing; return False if it was already stored."""
    if not isinstance(datos, dict) or not isinstance(datos.get("id"), str) or not isinstance(datos.get("type"), str):
        raise EventoInvalido("el cuerpo no es un evento de Stripe")
    if EventoStripe.objects.filter(evento_id=datos["id"]).exists():
        return False
    try:
        with transaction.atomic():
            evento = EventoStripe.objects.create(evento_id=datos["id"], tipo=datos["type"][:100], datos=datos)
            outbox.enqueue("pagos.tasks.procesar_evento_stripe", args=[evento.pk])
    except IntegrityError:
        return False  # the same event, delivered twice at once: the other request stored it
    return True


def procesar_evento(*, evento_id: int) -> str:
    """Act on stored event ``evento_id`` once; return what was done (also kept on the row)."""
    evento = EventoStripe.objects.get(pk=evento_id)
    if evento.procesado is not None:
        return evento.resultado
    resultado = _resultado(evento)
    EventoStripe.objects.filter(pk=evento.pk, procesado__isnull=True).update(
        procesado=timezone.now(), resultado=resultado[:200]
    )
    return resultado


def _resultado(evento: EventoStripe) -> str:
    if evento.tipo not in TIPOS_DE_PAGO:
        return f"ignorado: {evento.tipo}"
    intento = (evento.datos.get("data") or {}).get("object") or {}
    try:
        venta_id = int((intento.get("metadata") or {})["venta_id"])
    except (KeyError, TypeError, ValueError):
        return "ignorado: sin venta_id"
    pago = Pago.objects.filter(venta_id=venta_id).first()
    # Only the PaymentIntent stored for the order settles it (never an orphan of a lost race).
    if pago is None or not pago.payment_intent_id or pago.payment_intent_id != intento.get("id"):
        logger.warning(
            "Evento %s: %s no es el PaymentIntent de la venta %s", evento.evento_id, intento.get("id"), venta_id
        )
        return "ignorado: no es el PaymentIntent de la venta"
    return asentar(pago, intento)
