"""Emails that go out once: the send-once claim every email task relies on, and how they are built.

With ``acks_late`` an email task may run twice, or be handed back after its worker
died; ``enviar_email_una_vez`` makes the message go out once all the same (see
``models.EnvioEmail``). SMTP itself stays at-least-once: a server that accepted the
message just before the worker died sees it again (docs/reliability.md).
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EnvioEmail

logger = logging.getLogger(__name__)


def plazo_de_reclamo() -> timedelta:
    """Return how long a worker may hold an email's claim: ``settings.EMAIL_LEASE_SECONDS``, whose comment says why."""
    return timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


class EmailEnCurso(Exception):  # noqa: N818 - a state, not an error
    """Another worker holds the email's claim and has not sent it yet.

    It may be alive and about to send, or dead (on RabbitMQ its task comes back at
    once, long before the lease runs out). The task retries after ``segundos``, when
    the email is either sent or free to take over; acknowledging now could lose it.
    """

    def __init__(self, clave: str, segundos: int):
        super().__init__(f"{clave} en curso; reintentar en {segundos} s")
        self.segundos = segundos


def _reclamar_envio(clave: str) -> bool:
    """Claim the right to send the email ``clave``; False if sent or being sent."""
    ahora = timezone.now()
    try:
        with transaction.atomic():
            EnvioEmail.objects.create(clave=clave, reclamado=ahora, intentos=1)
        return True
    except IntegrityError:
        libre = Q(reclamado__isnull=True) | Q(reclamado__lt=ahora - plazo_de_reclamo())
        return bool(
            EnvioEmail.objects.filter(libre, clave=clave, enviado__isnull=True).update(
                reclamado=ahora, intentos=F("intentos") + 1
            )
        )


def enviar_email_una_vez(clave: str, construir: Callable[[], EmailMultiAlternatives]) -> bool:
    """Send the email built by ``construir`` unless ``clave`` went out already.

    Return True when this call sent it, False when it had been sent before. Raise
    EmailEnCurso when another worker holds a fresh claim on it (the email task retries
    once that claim's lease ends). If sending fails the claim is released and the error
    raised, so the task's retry can try again.
    """
    if not _reclamar_envio(clave):
        _exigir_enviado_o_libre(clave)
        logger.info("Email %s ya enviado; no se repite", clave)
        return False
    try:
        mensaje = construir()
        # The same Message-ID on every attempt lets mail servers drop a duplicate.
        mensaje.extra_headers.setdefault("Message-ID", f"<{clave.replace(':', '.')}@mitienda>")
        mensaje.send()
    except Exception:
        EnvioEmail.objects.filter(clave=clave).update(reclamado=None)
        raise
    EnvioEmail.objects.filter(clave=clave).update(enviado=timezone.now())
    return True


def _exigir_enviado_o_libre(clave: str) -> None:
    """Raise EmailEnCurso when ``clave`` is claimed by someone else and not sent yet."""
    envio = EnvioEmail.objects.filter(clave=clave, enviado__isnull=True, reclamado__isnull=False).first()
    if envio is not None:
        restante = (envio.reclamado + plazo_de_reclamo() - timezone.now()).total_seconds()
        raise EmailEnCurso(clave, max(1, int(restante) + 1))


def construir_email(*, plantilla: str, asunto: str, para: list[str], contexto: dict) -> EmailMultiAlternatives:
    """Return an HTML + plain-text email from ``templates/emails/<plantilla>.{txt,html}``."""
    texto = render_to_string(f"emails/{plantilla}.txt", contexto)
    html = render_to_string(f"emails/{plantilla}.html", contexto)
    mensaje = EmailMultiAlternatives(subject=asunto, body=texto, to=para)
    mensaje.attach_alternative(html, "text/html")
    return mensaje
