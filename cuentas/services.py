"""Account emails: written with their task in the request's transaction, sent once by a worker."""

import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from outbox.services import enqueue
from ventas.emails import enviar_email_una_vez

from .models import EmailCuenta

logger = logging.getLogger(__name__)

TAREA_ENVIAR = "cuentas.tasks.enviar_email_cuenta"


@transaction.atomic
def encolar_email(*, plantilla: str, mensaje: EmailMessage) -> EmailCuenta:
    """Store the rendered ``mensaje`` and the task that sends it; both commit with the caller's transaction."""
    html = next((c for c, tipo in getattr(mensaje, "alternatives", []) if tipo == "text/html"), "")
    if getattr(mensaje, "content_subtype", "plain") == "html":
        texto, html = "", mensaje.body
    else:
        texto = mensaje.body
    email = EmailCuenta.objects.create(
        plantilla=plantilla,
        para=list(mensaje.to),
        remitente=mensaje.from_email,
        asunto=mensaje.subject,
        texto=texto,
        html=html,
    )
    enqueue(TAREA_ENVIAR, args=[email.pk])
    return email


def enviar_email(*, mensaje_id: int) -> bool:
    """Send the account email ``mensaje_id`` unless it went out already; return True if this call sent it."""
    email = EmailCuenta.objects.get(pk=mensaje_id)

    def construir() -> EmailMultiAlternatives:
        mensaje = EmailMultiAlternatives(
            subject=email.asunto, body=email.texto, from_email=email.remitente, to=email.para
        )
        if email.html:
            mensaje.attach_alternative(email.html, "text/html")
        return mensaje

    enviado = enviar_email_una_vez(email.clave, construir)
    if enviado:
        # The links in it are one-time secrets: once the message is out, do not keep them at rest.
        EmailCuenta.objects.filter(pk=email.pk).update(enviado=timezone.now(), texto="", html="")
        logger.info("Email de cuenta %s (%s) enviado", email.pk, email.plantilla)
    return enviado
