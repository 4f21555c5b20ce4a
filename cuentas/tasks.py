import logging

from celery import shared_task

from ventas.tasks import REINTENTO_EMAIL, EmailTask

from . import services
from .models import EmailCuenta

logger = logging.getLogger(__name__)


@shared_task(name="cuentas.tasks.enviar_email_cuenta", base=EmailTask, ignore_result=True, **REINTENTO_EMAIL)
def enviar_email_cuenta(mensaje_id: int) -> bool:
    """Send one account email (verification, password reset) once; routed to the ``emails`` queue."""
    try:
        return services.enviar_email(mensaje_id=mensaje_id)
    except EmailCuenta.DoesNotExist:
        logger.warning("Email de cuenta %s no existe; nada que enviar", mensaje_id)
        return False
