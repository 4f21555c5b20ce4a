"""Celery tasks of the order pipeline: thin wrappers that load ids and call services.

Every task here may run twice (``acks_late``, redelivery after a worker dies); the
services they call make each effect happen once.
"""

import logging
from datetime import date
from smtplib import SMTPException

from celery import chain, shared_task
from django.conf import settings
from django.core.mail import mail_admins

from myproject.celery import Tarea

from . import emails, reportes, services
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


class EmailTask(Tarea):
    """A task that sends an email once (``emails.enviar_email_una_vez``).

    When another worker holds the email's claim (alive and sending, or dead: RabbitMQ
    hands its task back at once), retry when that claim's lease ends instead of
    acknowledging the message and losing the email. When the task fails for good (its
    last retry failed too), the ``ADMINS`` get one email saying so.
    """

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except emails.EmailEnCurso as en_curso:
            raise self.retry(countdown=en_curso.segundos, exc=en_curso) from None

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Celery calls this only when the task failed for good, never on a retry, so the admins hear once.
        try:
            mail_admins(
                f"La tarea {self.name} falló tras {self.request.retries} reintentos",
                f"Tarea: {self.name}[{task_id}]\nargs={list(args)!r} kwargs={kwargs!r}\n"
                f"Error: {exc!r}\n\n{einfo.traceback}",
            )
        except Exception:
            # Often the mail server is what failed; Celery still logs the task's failure.
            logger.exception("No se pudo avisar a ADMINS del fallo de %s[%s]", self.name, task_id)


# ignore_result: nobody waits on it, and on the Redis backend a tracked result costs the
# buyer's request a subscribe round trip per sale (bench/checkout.py).
@shared_task(bind=True, name="ventas.tasks.procesar_venta_completa", ignore_result=True)
def procesar_venta_completa(self, venta_id: int) -> dict | None:
    """Run a paid order's pipeline: the stock check of each line, then the chain PDF invoice → confirmation email.

    The payment sends this one message per order (``services.marcar_pagada``), so the
    stock checks run here inline: the same service the ``actualizar_inventario`` task calls.
    """
    venta = Venta.objects.filter(pk=venta_id).first()
    if venta is None:
        logger.warning("Venta %s no existe; nada que procesar", venta_id)
        return None
    if not venta.pagada:
        logger.warning("Venta %s está %s: su proceso corre solo cuando está pagada", venta_id, venta.estado)
        return None
    for producto_id in venta.lineas.order_by("producto_id").values_list("producto_id", flat=True):
        services.actualizar_inventario(producto_id=producto_id)
    # Immutable signatures: each step takes the order id, not the previous result. Sent
    # from here and this task ends SUCCESS, so Flower shows every task of an order (a
    # task that replaces itself with its chain never shows as done), each with the order
    # id in its arguments. A redelivery sends the chain again: each step is idempotent.
    cadena = chain(generar_factura_pdf.si(venta_id), enviar_email_confirmacion.si(venta_id)).apply_async()
    return {"venta_id": venta_id, "cadena": cadena.id}


@shared_task(name="ventas.tasks.generar_factura_pdf")
def generar_factura_pdf(venta_id: int) -> str | None:
    try:
        return services.generar_factura_pdf(venta_id=venta_id)
    except Venta.DoesNotExist:
        logger.warning("Venta %s no existe; no hay factura que generar", venta_id)
        return None


@shared_task(name="ventas.tasks.enviar_email_confirmacion", base=EmailTask, **REINTENTO_EMAIL)
def enviar_email_confirmacion(venta_id: int) -> bool:
    try:
        return services.enviar_email_confirmacion(venta_id=venta_id)
    except Venta.DoesNotExist:
        logger.warning("Venta %s no existe; no hay email que enviar", venta_id)
        return False


@shared_task(name="ventas.tasks.enviar_email_pago_rechazado", base=EmailTask, **REINTENTO_EMAIL)
def enviar_email_pago_rechazado(venta_id: int) -> bool:
    try:
        return services.enviar_email_pago_rechazado(venta_id=venta_id)
    except Venta.DoesNotExist:
        return False


@shared_task(name="ventas.tasks.actualizar_inventario")
def actualizar_inventario(producto_id: int) -> bool:
    """Check a product's stock after a sale; alert its supplier on a low-stock crossing."""
    try:
        return services.actualizar_inventario(producto_id=producto_id)
    except Producto.DoesNotExist:
        return False


@shared_task(name="ventas.tasks.notificar_stock_bajo", base=EmailTask, **REINTENTO_EMAIL)
def notificar_stock_bajo(producto_id: int, cruce: int) -> bool:
    try:
        return services.notificar_stock_bajo(producto_id=producto_id, cruce=cruce)
    except Producto.DoesNotExist:
        return False


# The outbox relay replaced the sweeper of this name (migration 0005 removes its schedule).
# Kept for one release: a Beat of the previous one may have queued it just before the
# deploy; such a message now runs the relay instead of being refused as unregistered.
@shared_task(name="ventas.tasks.reenviar_ventas_pendientes", ignore_result=True)
def reenviar_ventas_pendientes() -> dict[str, int]:
    """Run the outbox relay: the old sweeper's name, for messages sent before it was removed."""
    from outbox import services as outbox

    return outbox.relay()


# Periodic jobs (Celery Beat, see ventas/migrations/0003_tareas_periodicas.py)
# ------------------------------------------------------------------------------


@shared_task(name="ventas.tasks.generar_reporte_diario", base=EmailTask, **REINTENTO_EMAIL)
def generar_reporte_diario(fecha: str | None = None) -> bool:
    """Email yesterday's sales report (or that of ``fecha``, ISO date, for a re-run from the admin)."""
    return reportes.generar_reporte_diario(fecha=date.fromisoformat(fecha) if fecha else None)


@shared_task(name="ventas.tasks.limpiar_carritos_abandonados")
def limpiar_carritos_abandonados() -> dict[str, int]:
    return services.limpiar_carritos_abandonados()


@shared_task(name="ventas.tasks.enviar_recordatorio_carrito", base=EmailTask, **REINTENTO_EMAIL)
def enviar_recordatorio_carrito(carrito_id: int) -> bool:
    return services.enviar_recordatorio_carrito(carrito_id=carrito_id)


@shared_task(name="ventas.tasks.actualizar_estadisticas")
def actualizar_estadisticas() -> str:
    """Refresh the sales statistics snapshot (routed to the ``analytics`` queue)."""
    return reportes.actualizar_estadisticas().calculado.isoformat()
