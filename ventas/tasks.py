"""Celery tasks of the order pipeline: thin wrappers that load ids and call services.

Every task here may run twice (``acks_late``, redelivery after a worker dies); the
services they call make each effect happen once.
"""

import logging
from smtplib import SMTPException

from celery import Task, chain, shared_task
from django.conf import settings

from . import services
from .models import Producto, Venta

logger = logging.getLogger(__name__)

# Transient failures of the mail server or the network: retried with exponential
# backoff and jitter, capped below the broker's visibility timeout.
REINTENTO_EMAIL = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": settings.CELERY_MAX_RETRY_DELAY,
    "retry_jitter": True,
    "max_retries": 6,
}


class CallbackTask(Task):
    """Log how each task ended, so ops can follow a sale through the worker log."""

    def on_success(self, retval, task_id, args, kwargs):
        logger.info("Tarea %s[%s] terminó: %r", self.name, task_id, retval)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        logger.error("Tarea %s[%s] falló con args=%r: %r", self.name, task_id, args, exc)


@shared_task(bind=True, name="ventas.tasks.procesar_venta_completa")
def procesar_venta_completa(self, venta_id: int):
    """Run a sale's pipeline: PDF invoice, then the confirmation email with it attached."""
    # Immutable signatures: each step takes the sale id, not the previous result.
    return self.replace(chain(generar_factura_pdf.si(venta_id), enviar_email_confirmacion.si(venta_id)))


@shared_task(name="ventas.tasks.generar_factura_pdf", base=CallbackTask)
def generar_factura_pdf(venta_id: int) -> str | None:
    try:
        return services.generar_factura(venta_id=venta_id)
    except Venta.DoesNotExist:
        logger.warning("Venta %s no existe; no hay factura que generar", venta_id)
        return None


@shared_task(bind=True, name="ventas.tasks.enviar_email_confirmacion", base=CallbackTask, **REINTENTO_EMAIL)
def enviar_email_confirmacion(self, venta_id: int) -> bool:
    try:
        return services.enviar_confirmacion(venta_id=venta_id)
    except Venta.DoesNotExist:
        logger.warning("Venta %s no existe; no hay email que enviar", venta_id)
        return False
    except services.EmailEnCurso as en_curso:
        raise self.retry(countdown=en_curso.segundos, exc=en_curso) from None


@shared_task(name="ventas.tasks.actualizar_inventario", base=CallbackTask)
def actualizar_inventario(producto_id: int) -> bool:
    """Check a product's stock after a sale; alert its supplier on a low-stock crossing."""
    try:
        return services.revisar_stock(producto_id=producto_id)
    except Producto.DoesNotExist:
        return False


@shared_task(bind=True, name="ventas.tasks.notificar_stock_bajo", base=CallbackTask, **REINTENTO_EMAIL)
def notificar_stock_bajo(self, producto_id: int, cruce: int) -> bool:
    try:
        return services.enviar_aviso_stock_bajo(producto_id=producto_id, cruce=cruce)
    except Producto.DoesNotExist:
        return False
    except services.EmailEnCurso as en_curso:
        raise self.retry(countdown=en_curso.segundos, exc=en_curso) from None


@shared_task(name="ventas.tasks.reenviar_ventas_pendientes", base=CallbackTask)
def reenviar_ventas_pendientes() -> int:
    """Re-send the pipeline of sales whose dispatch was lost (run by Beat, see docs/reliability.md)."""
    return services.reenviar_ventas_pendientes()
