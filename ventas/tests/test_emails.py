"""The email claim is fenced: a mail server slower than the lease never lets a second worker send too.

Two threads play two live workers, each with its own database connection, against the
harness's real SMTP server told to stall after the final dot (``BuzonSMTP.demorar``).
The lease is a few seconds here so the stalls stay short.
"""

import threading
import time
from email.message import EmailMessage as Recibido
from smtplib import SMTPDataError, SMTPServerDisconnected

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from pruebas.procesos import esperar
from ventas import emails
from ventas.models import EnvioEmail

pytestmark = pytest.mark.django_db(transaction=True)

PLAZO = 6  # the lease; the SMTP transaction is cut at 5 s
CLAVE = "prueba:lenta"


@pytest.fixture(autouse=True)
def _plazo_corto(settings):
    settings.EMAIL_LEASE_SECONDS = PLAZO


def _mensaje():
    return EmailMessage(subject="Hola", body="cuerpo", to=["alguien@example.com"])


class Worker(threading.Thread):
    """A worker sending the email ``CLAVE`` in a thread of its own; ``resultado`` or ``error`` when done."""

    def __init__(self):
        super().__init__(daemon=True)
        self.resultado = self.error = None
        self.start()

    def run(self):
        try:
            self.resultado = emails.enviar_email_una_vez(CLAVE, _mensaje)
        except Exception as error:  # noqa: BLE001 - the test looks at it
            self.error = error
        finally:
            connection.close()


def _reclamante():
    return EnvioEmail.objects.values_list("reclamante", flat=True).get(clave=CLAVE)


def _recibidos(buzon) -> list[Recibido]:
    return [m for m in buzon.mensajes if m["Message-ID"] == "<prueba.lenta@mitienda>"]


def test_un_servidor_mas_lento_que_el_plazo_no_deja_enviar_a_un_segundo_worker(buzon):
    buzon.demorar((2 * PLAZO, "250 OK"))  # longer than the lease, far shorter than EMAIL_TIMEOUT (15 s)

    primero = Worker()
    esperar(lambda: buzon.demoras_empezadas, mensaje="the first worker to reach the final dot")
    inicio = time.monotonic()
    # While the first one is sending, its claim is fresh: the second waits its turn.
    with pytest.raises(emails.EmailEnCurso):
        emails.enviar_email_una_vez(CLAVE, _mensaje)

    # Without a deadline the first would still be waiting on the server when its lease
    # ends, and a second worker would send too. It is cut before, and lets go.
    primero.join(PLAZO + 5)
    assert isinstance(primero.error, SMTPServerDisconnected | OSError), primero.error
    assert time.monotonic() - inicio < PLAZO
    envio = EnvioEmail.objects.get(clave=CLAVE)
    assert envio.reclamado is None and envio.reclamante is None and envio.enviado is None

    segundo = Worker()
    segundo.join(30)
    assert (segundo.resultado, segundo.error) == (True, None)
    time.sleep(max(0, 2 * PLAZO - (time.monotonic() - inicio) + 1))  # past when the stalled server would have answered
    assert len(_recibidos(buzon)) == 1
    assert EnvioEmail.objects.get(clave=CLAVE).intentos == 2


def test_el_fallo_del_primero_no_libera_el_reclamo_que_tomo_el_segundo(buzon):
    """A worker paused past its lease (stopped, or its clock behind) fails later than the one that took over."""
    # Each stall ends before its sender's session deadline (5 s): the first in a refusal, the second accepted.
    buzon.demorar((2, "451 4.3.0 Try again later"), (4, "250 OK"))

    primero = Worker()
    esperar(lambda: buzon.demoras_empezadas == 1, mensaje="the first worker to reach the final dot")
    del_primero = _reclamante()
    # As the other workers see it once the first one's lease has passed.
    EnvioEmail.objects.filter(clave=CLAVE).update(reclamado=timezone.now() - emails.plazo_de_reclamo())
    segundo = Worker()
    esperar(lambda: buzon.demoras_empezadas == 2, mensaje="the second worker to reach the final dot")
    del_segundo = _reclamante()
    assert del_segundo not in (None, del_primero)

    primero.join(10)
    assert isinstance(primero.error, SMTPDataError), primero.error
    # Its failure released nothing: the claim is the second one's, and a third worker waits.
    envio = EnvioEmail.objects.get(clave=CLAVE)
    assert (envio.reclamante, envio.enviado) == (del_segundo, None) and envio.reclamado is not None
    with pytest.raises(emails.EmailEnCurso):
        emails.enviar_email_una_vez(CLAVE, _mensaje)

    segundo.join(30)
    assert (segundo.resultado, segundo.error) == (True, None)
    assert len(_recibidos(buzon)) == 1
    assert EnvioEmail.objects.get(clave=CLAVE).enviado is not None


def test_quien_perdio_su_reclamo_mientras_conectaba_no_envia(buzon, monkeypatch):
    """Connecting took longer than the lease and another worker took the email over: the first one does not send."""
    from django.core.mail.backends.smtp import EmailBackend

    abrir = EmailBackend.open

    def abrir_y_perder_el_reclamo(self):
        abierto = abrir(self)
        EnvioEmail.objects.filter(clave=CLAVE).update(reclamante="00000000-0000-0000-0000-000000000001")
        return abierto

    monkeypatch.setattr(EmailBackend, "open", abrir_y_perder_el_reclamo)
    with pytest.raises(emails.EmailEnCurso):
        emails.enviar_email_una_vez(CLAVE, _mensaje)
    assert _recibidos(buzon) == []
    assert str(_reclamante()) == "00000000-0000-0000-0000-000000000001"  # not released: it was not ours
