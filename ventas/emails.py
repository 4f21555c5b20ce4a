"""Emails that go out once: the send-once claim every email task relies on, and how they are built.

With ``acks_late`` an email task may run twice, or be handed back after its worker
died; ``enviar_email_una_vez`` makes the message go out once all the same (see
``models.EnvioEmail``), even when the mail server is slower than the claim's lease.
SMTP itself stays at-least-once: a server that accepted the message just before the
worker died, or just as its session was cut, sees it again (docs/reliability.md).
"""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from myproject.mail import session_deadline

from .models import EnvioEmail

logger = logging.getLogger(__name__)


def plazo_de_reclamo() -> timedelta:
    """Return how long a worker may hold an email's claim: ``settings.EMAIL_LEASE_SECONDS``, whose comment says why."""
    return timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


def plazo_de_sesion() -> timedelta:
    """Return how long the SMTP transaction may take once the claim is renewed: 5/6 of the lease.

    The last sixth is margin for clocks that disagree between workers; a session cut at
    this deadline has ended before anyone may take the claim over.
    """
    return plazo_de_reclamo() * 5 / 6


class EmailEnCurso(Exception):  # noqa: N818 - a state, not an error
    """Another worker holds the email's claim and has not sent it yet.

    It may be alive and about to send, or dead (on RabbitMQ its task comes back at
    once, long before the lease runs out). The task retries after ``segundos``, when
    the email is either sent or free to take over; acknowledging now could lose it.
    """

    def __init__(self, clave: str, segundos: int):
        super().__init__(f"{clave} en curso; reintentar en {segundos} s")
        self.segundos = segundos


def _reclamar_envio(clave: str) -> uuid.UUID | None:
    """Claim the right to send the email ``clave``; return the claim's token, or None if sent or being sent.

    An expired claim is taken over only from the very claim seen expiring (its token
    and time): if another worker took it first, the update matches nothing.
    """
    ahora, token = timezone.now(), uuid.uuid4()
    try:
        with transaction.atomic():
            EnvioEmail.objects.create(clave=clave, reclamado=ahora, reclamante=token, intentos=1)
        return token
    except IntegrityError:
        pass
    actual = EnvioEmail.objects.filter(clave=clave, enviado__isnull=True).values("reclamado", "reclamante").first()
    if actual is None or (actual["reclamado"] is not None and actual["reclamado"] >= ahora - plazo_de_reclamo()):
        return None
    tomado = EnvioEmail.objects.filter(clave=clave, enviado__isnull=True, **actual).update(
        reclamado=ahora, reclamante=token, intentos=F("intentos") + 1
    )
    return token if tomado else None


def _mi_reclamo(clave: str, token: uuid.UUID):
    return EnvioEmail.objects.filter(clave=clave, reclamante=token, enviado__isnull=True)


def enviar_email_una_vez(clave: str, construir: Callable[[], EmailMultiAlternatives]) -> bool:
    """Send the email built by ``construir`` unless ``clave`` went out already.

    Return True when this call sent it, False when it had been sent before. Raise
    EmailEnCurso when another worker holds a fresh claim on it (the email task retries
    once that claim's lease ends). If sending fails this call's own claim is released
    and the error raised, so the task's retry can try again.

    The claim is fenced by its token: it is renewed right before the SMTP transaction,
    and only if still ours, and the transaction is cut at ``plazo_de_sesion``, before
    the lease can run out; so a slow server never lets a second worker send too, and a
    failing worker releases only its own claim, never one a successor took over.
    """
    token = _reclamar_envio(clave)
    if token is None:
        _exigir_enviado_o_libre(clave)
        logger.info("Email %s ya enviado; no se repite", clave)
        return False
    conexion = None
    try:
        mensaje = construir()
        # The same Message-ID on every attempt lets mail servers drop a duplicate.
        mensaje.extra_headers.setdefault("Message-ID", f"<{clave.replace(':', '.')}@mitienda>")
        conexion = get_connection()
        conexion.open()
        # Building and connecting may have outlived the lease: go on only with the claim
        # still ours, and a full lease from now.
        if not _mi_reclamo(clave, token).update(reclamado=timezone.now()):
            raise EmailEnCurso(clave, 1)
        with session_deadline(conexion, plazo_de_sesion().total_seconds()):
            conexion.send_messages([mensaje])
    except Exception:
        _mi_reclamo(clave, token).update(reclamado=None, reclamante=None)
        raise
    finally:
        if conexion is not None:
            _cerrar(conexion)
    if not EnvioEmail.objects.filter(clave=clave, reclamante=token).update(enviado=timezone.now()):
        # Only a pause longer than the lease (a stopped process, clocks far apart) gets
        # here. The message did go out: record it, so no one sends it a third time.
        EnvioEmail.objects.filter(clave=clave, enviado__isnull=True).update(enviado=timezone.now())
        logger.warning("Email %s enviado con su reclamo ya en manos de otro worker; puede llegar dos veces", clave)
    return True


def _cerrar(conexion) -> None:
    """Close the mail connection; a failed QUIT after the message was accepted changes nothing."""
    try:
        conexion.close()
    except Exception:
        logger.warning("No se pudo cerrar la conexión de correo", exc_info=True)


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
