"""Celery tasks of the payments (queue ``pagos``): thin, they call ``pagos.services`` and own the retries.

Each may run twice (``acks_late``, redelivery after a worker died); the services make
each effect happen once: one PaymentIntent per order, confirmed once, one transition.
"""

import logging
import random

from celery import shared_task
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


def espera(reintento: int) -> float:
    """Return the seconds before retry number ``reintento`` (0-based): doubling, jittered, capped.

    Capped by CELERY_MAX_RETRY_DELAY, below the broker's visibility timeout, so a
    waiting retry is never handed out a second time.
    """
    base = min(settings.PAGO_REINTENTO_SEGUNDOS * 2**reintento, settings.CELERY_MAX_RETRY_DELAY)
    return round(base * random.uniform(0.75, 1.0), 2)


# ignore_result: nobody waits on them.
@shared_task(bind=True, name="pagos.tasks.cobrar_venta", ignore_result=True, max_retries=None)
def cobrar_venta(self, venta_id: int) -> str:
    """Charge order ``venta_id`` once; while Stripe is unreachable, try again with backoff.

    After ``PAGO_MAX_REINTENTOS`` retries the task gives up; the order keeps waiting,
    with its note, for the reconciliation (which settles or expires it).
    """
    try:
        return services.cobrar(venta_id=venta_id)
    except services.StripeNoDisponible as error:
        if self.request.retries >= settings.PAGO_MAX_REINTENTOS:
            logger.error("Venta %s: Stripe sigue sin responder tras %s reintentos; queda a la conciliación",
                         venta_id, self.request.retries)  # fmt: skip
            return "sin_respuesta"
        raise self.retry(exc=error, countdown=espera(self.request.retries)) from None


@shared_task(name="pagos.tasks.procesar_evento_stripe", ignore_result=True)
def procesar_evento_stripe(evento_id: int) -> str:
    """Act on a stored Stripe webhook event (``pagos.models.EventoStripe``) once."""
    return services.procesar_evento(evento_id=evento_id)


@shared_task(name="pagos.tasks.conciliar_pagos", ignore_result=True)
def conciliar_pagos() -> dict[str, int]:
    """Beat, every 5 minutes: settle or expire the orders still waiting for their payment."""
    return services.conciliar()


@shared_task(bind=True, name="pagos.tasks.reembolsar_venta", ignore_result=True, max_retries=None)
def reembolsar_venta(self, venta_id: int) -> str:
    """Refund cancelled order ``venta_id`` once; while Stripe is unreachable, try again with backoff.

    After ``REEMBOLSO_MAX_REINTENTOS`` retries the refund stays ``pendiente`` in the
    admin with its last error (docs/almacen.md); an operator re-sends it from there.
    """
    from . import reembolsos

    try:
        return reembolsos.reembolsar(venta_id=venta_id)
    except reembolsos.ReembolsoNoDisponible as error:
        if self.request.retries >= settings.REEMBOLSO_MAX_REINTENTOS:
            logger.error("Venta %s: el reembolso sigue sin hacerse tras %s reintentos; queda pendiente",
                         venta_id, self.request.retries)  # fmt: skip
            reembolsos.marcar_sin_respuesta(venta_id=venta_id, error=str(error))
            return "pendiente"
        raise self.retry(exc=error, countdown=espera(self.request.retries)) from None
