"""The Stripe webhook: signatures checked by the SDK, events stored once, both paths to "paid" meet.

The signature tests go through Django's test client (nothing but the view is under
test); the end-to-end ones let localstripe sign and send its own events to a real Daphne.
"""

import hashlib
import hmac
import json
import time
import urllib.request

import pytest
from django.conf import settings

from notificaciones.models import Notificacion
from outbox.models import OutboxMessage
from pagos.models import EventoStripe
from pruebas.procesos import esperar
from ventas.models import Venta

from .conftest import cobrar_en_el_worker, crear_intento, esperar_estado

URL = "/pagos/stripe/webhook/"


def _firmar(cuerpo: bytes, *, secreto: str | None = None, cuando: int | None = None) -> str:
    cuando = int(time.time()) if cuando is None else cuando
    firma = hmac.new(
        (secreto or settings.STRIPE_WEBHOOK_SECRET).encode(), f"{cuando}.".encode() + cuerpo, hashlib.sha256
    )
    return f"t={cuando},v1={firma.hexdigest()}"


def _evento(id_: str = "evt_prueba_1", tipo: str = "payment_intent.succeeded", venta_id: int = 999) -> bytes:
    objeto = {"id": "pi_x", "object": "payment_intent", "status": "succeeded", "metadata": {"venta_id": str(venta_id)}}
    return json.dumps({"id": id_, "object": "event", "type": tipo, "data": {"object": objeto}}).encode()


def _post(client, cuerpo: bytes, firma: str | None):
    cabeceras = {"HTTP_STRIPE_SIGNATURE": firma} if firma is not None else {}
    return client.post(URL, cuerpo, content_type="application/json", **cabeceras)


@pytest.mark.parametrize(
    "firma",
    [
        pytest.param(None, id="sin firma"),
        pytest.param("basura", id="ilegible"),
        pytest.param(lambda c: _firmar(c, secreto="whsec_otro"), id="otro secreto"),
        pytest.param(lambda c: _firmar(c, cuando=int(time.time()) - 3600), id="vieja"),
        pytest.param(lambda c: _firmar(c + b" "), id="de otro cuerpo"),
    ],
)
def test_una_firma_mala_da_400_y_no_guarda_nada(client, db, firma):
    cuerpo = _evento()
    respuesta = _post(client, cuerpo, firma(cuerpo) if callable(firma) else firma)

    assert respuesta.status_code == 400
    assert not EventoStripe.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize("cuerpo", [b"esto no es json", b"\xff\xfe", b"[1, 2]", b'{"type": "x"}'], ids=repr)
def test_un_cuerpo_firmado_que_no_es_un_evento_da_400(client, db, cuerpo):
    assert _post(client, cuerpo, _firmar(cuerpo)).status_code == 400
    assert not EventoStripe.objects.exists() and not OutboxMessage.objects.exists()


def test_solo_post(client, db):
    assert client.get(URL).status_code == 405


def test_el_mismo_evento_dos_veces_se_guarda_y_se_encola_una_vez(client, db):
    cuerpo = _evento()
    primera = _post(client, cuerpo, _firmar(cuerpo))
    segunda = _post(client, cuerpo, _firmar(cuerpo))

    assert (primera.status_code, primera.json()) == (200, {"recibido": True, "nuevo": True})
    assert (segunda.status_code, segunda.json()) == (200, {"recibido": True, "nuevo": False})
    [evento] = EventoStripe.objects.all()
    assert evento.tipo == "payment_intent.succeeded" and evento.datos["id"] == "evt_prueba_1"
    [mensaje] = OutboxMessage.objects.all()
    assert (mensaje.task_name, mensaje.args) == ("pagos.tasks.procesar_evento_stripe", [evento.pk])


def _eventos(tipo: str, *, payment_intent: str | None = None, venta_id: int | None = None) -> list[EventoStripe]:
    """Return the stored events of ``tipo`` about one PaymentIntent or one order."""
    eventos = []
    for evento in EventoStripe.objects.filter(tipo=tipo):
        objeto = evento.datos["data"]["object"]
        if payment_intent in (None, objeto["id"]) and venta_id in (None, int(objeto["metadata"]["venta_id"])):
            eventos.append(evento)
    return eventos


@pytest.fixture
def webhook_a_daphne(localstripe, daphne):
    """localstripe sends its signed events to the session's Daphne, as Stripe would to the site."""
    _, puerto = daphne
    localstripe.registrar_webhook(f"http://127.0.0.1:{puerto}{URL}")
    yield puerto
    localstripe.quitar_webhooks()


@pytest.mark.django_db(transaction=True)
def test_el_webhook_llega_antes_que_la_tarea_y_hay_una_sola_transicion(
    localstripe, celery_worker, webhook_a_daphne, venta_pendiente, vendedor
):
    venta = venta_pendiente("pm_card_visa")
    # The task charged the card and its worker died before settling: only the webhook knows.
    guardado = crear_intento(venta, confirmar=True)

    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    # (Filtered by PaymentIntent: localstripe sends an event a second after it happened, so
    # one from the previous test may reach this test's endpoint; it is ignored there.)
    [evento] = _eventos("payment_intent.succeeded", payment_intent=guardado)
    assert guardado == venta.pago_referencia
    esperar(lambda: EventoStripe.objects.get(pk=evento.pk).procesado, mensaje="the event processed")
    assert EventoStripe.objects.get(pk=evento.pk).resultado == "pagada"

    # Then the task's redelivery arrives, and Stripe sends the same event again.
    cobrar_en_el_worker(venta.pk)
    cuerpo = json.dumps(evento.datos).encode()
    pedido = urllib.request.Request(
        f"http://127.0.0.1:{webhook_a_daphne}{URL}",
        data=cuerpo,
        headers={"Stripe-Signature": _firmar(cuerpo), "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(pedido, timeout=10) as respuesta:
        assert json.loads(respuesta.read()) == {"recibido": True, "nuevo": False}
    esperar(
        lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), mensaje="every outbox row published"
    )
    time.sleep(1)  # let the redelivered task finish

    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.PAGADA
    assert OutboxMessage.objects.filter(task_name="ventas.tasks.procesar_venta_completa").count() == 1
    assert Notificacion.objects.filter(usuario=vendedor, tipo="nueva_venta").count() == 1
    assert EventoStripe.objects.filter(evento_id=evento.evento_id).count() == 1
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [guardado]


@pytest.mark.django_db(transaction=True)
def test_el_webhook_de_un_pago_fallido_rechaza_la_venta(localstripe, celery_worker, webhook_a_daphne, comprar):
    venta = comprar("pm_card_chargeCustomerFail", cantidad=1)

    venta = esperar_estado(venta, Venta.Estado.RECHAZADA)
    # Both paths saw the decline; the second found the order already declined.
    esperar(
        lambda: [e for e in _eventos("payment_intent.payment_failed", venta_id=venta.pk) if e.procesado],
        mensaje="the payment_failed event processed",
    )
    [evento] = _eventos("payment_intent.payment_failed", venta_id=venta.pk)
    assert evento.resultado == "rechazada"
    assert venta.pago_nota == "Tu banco rechazó la tarjeta."
