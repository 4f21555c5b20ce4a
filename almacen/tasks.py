"""Celery tasks of the warehouse: thin, they call the services and own the retries.

Each may run twice (``acks_late``, a redelivery); the services make each effect happen
once (one event per order and kind, one email per key, one delivery at a time).
"""

import logging

from celery import shared_task

from ventas.models import Venta
from ventas.tasks import REINTENTO_EMAIL, EmailTask

from . import emails, entregas, services

logger = logging.getLogger(__name__)


@shared_task(name="almacen.tasks.notificar_almacen", ignore_result=True)
def notificar_almacen(venta_id: int, tipo: str = "venta.pagada") -> bool:
    """Tell the warehouse (its users live, the external system) that an order was paid or cancelled."""
    return services.notificar_almacen(venta_id=venta_id, tipo=tipo)


@shared_task(bind=True, name="almacen.tasks.entregar_eventos_almacen", ignore_result=True, max_retries=None)
def entregar_eventos_almacen(self, venta_id: int) -> int:
    """POST an order's pending events to the external warehouse, in order; retry with backoff on failure.

    The attempts are counted on each event (``ALMACEN_WEBHOOK_MAX_INTENTOS``), so the
    retries end when the event is delivered or dead.
    """
    try:
        return entregas.entregar_eventos(venta_id=venta_id)
    except entregas.ReintentarEntrega as reintento:
        raise self.retry(countdown=reintento.segundos, exc=reintento) from None


def _email(enviar, venta_id: int) -> bool:
    try:
        return enviar(venta_id=venta_id)
    except Venta.DoesNotExist:
        logger.warning("Venta %s no existe; no hay email que enviar", venta_id)
        return False


@shared_task(name="almacen.tasks.enviar_email_envio", base=EmailTask, **REINTENTO_EMAIL)
def enviar_email_envio(venta_id: int) -> bool:
    return _email(emails.enviar_email_envio, venta_id)


@shared_task(name="almacen.tasks.enviar_email_entrega", base=EmailTask, **REINTENTO_EMAIL)
def enviar_email_entrega(venta_id: int) -> bool:
    return _email(emails.enviar_email_entrega, venta_id)


@shared_task(name="almacen.tasks.enviar_email_cancelacion", base=EmailTask, **REINTENTO_EMAIL)
def enviar_email_cancelacion(venta_id: int) -> bool:
    return _email(emails.enviar_email_cancelacion, venta_id)
