"""The held messages in the admin, and what sending one again does, with the session's real worker."""

import uuid

import pytest
import redis
from django.conf import settings

from deadletter import deliveries, services
from deadletter.models import DeadLetter
from myproject import devservices
from myproject.celery import app
from pruebas.factories import ProductoFactory, VentaFactory
from pruebas.procesos import esperar
from ventas import tasks
from ventas.models import Venta

URL = "/admin/deadletter/deadletter/"


def _retener_factura(venta: Venta) -> DeadLetter:
    """Hold the invoice task of ``venta`` the way a worker does after its runs died: same request, same count.

    The request is the one of the pipeline's first step (``procesar_venta_completa``
    replaces itself with the chain invoice → email), so the chain's rest rides on it.
    """
    task_id = str(uuid.uuid4())
    for _ in range(settings.CELERY_MAX_DELIVERIES):
        deliveries.start(task_id)
    tarea = tasks.generar_factura_pdf
    tarea.push_request(
        id=task_id,
        args=[venta.pk],
        kwargs={},
        delivery_info={"exchange": "procesamiento_pesado", "routing_key": "procesamiento_pesado", "redelivered": True},
        chain=[dict(tasks.enviar_email_confirmacion.si(venta.pk))],
    )
    try:
        return services.hold(task=tarea, args=(venta.pk,), kwargs={}, runs=deliveries.start(task_id))
    finally:
        tarea.pop_request()


@pytest.fixture
def venta(db, monkeypatch):
    """A sale whose pipeline was never sent."""
    return VentaFactory(producto=ProductoFactory(stock=5))  # paid, its pipeline not queued


@pytest.mark.django_db(transaction=True)
def test_reenviar_desde_el_admin_manda_el_mismo_mensaje_y_la_cadena_sigue(celery_worker, buzon, admin_client, venta):
    retenido = _retener_factura(venta)
    assert (retenido.deliveries, retenido.queue, retenido.status) == (
        settings.CELERY_MAX_DELIVERIES + 1,
        "procesamiento_pesado",
        "held",
    )
    assert "redelivered" not in retenido.options

    listado = admin_client.get(URL + "?status__exact=held").content.decode()
    assert "ventas.tasks.generar_factura_pdf" in listado and retenido.task_id in listado

    respuesta = admin_client.post(URL, {"action": "retry", "_selected_action": [retenido.pk]}, follow=True)
    assert "1 mensajes reenviados." in respuesta.content.decode()

    # The same task id (its count was reset, or the worker would hold it again at once),
    # and the chain it carried: the invoice, then the confirmation email.
    esperar(
        lambda: Venta.objects.get(pk=venta.pk).email_enviado, timeout=60, mensaje="the confirmation after the retry"
    )
    assert app.AsyncResult(retenido.task_id).get(timeout=10) == Venta.objects.get(pk=venta.pk).factura.name
    assert len(buzon.para(venta.comprador.email)) == 1
    retenido.refresh_from_db()
    assert (retenido.status, retenido.times_retried) == ("retried", 1)
    assert retenido.retried is not None
    # Twice is once: it is no longer held.
    assert services.retry(dead_letter_id=retenido.pk) is False
    assert DeadLetter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_un_mensaje_retenido_otra_vez_actualiza_su_fila(venta):
    primero = _retener_factura(venta)
    DeadLetter.objects.filter(pk=primero.pk).update(status=DeadLetter.Status.RETRIED, times_retried=1)

    tarea = tasks.generar_factura_pdf
    tarea.push_request(id=primero.task_id, args=[venta.pk], kwargs={}, delivery_info={})
    try:
        segundo = services.hold(task=tarea, args=(venta.pk,), kwargs={}, runs=deliveries.start(primero.task_id))
    finally:
        tarea.pop_request()

    assert segundo.pk == primero.pk and DeadLetter.objects.count() == 1
    assert (segundo.status, segundo.times_retried, segundo.first_seen) == ("held", 1, primero.first_seen)
    assert segundo.last_seen > primero.last_seen


def test_la_cuenta_solo_crece_con_las_ejecuciones_que_no_terminaron():
    task_id = str(uuid.uuid4())
    primera = deliveries.start(task_id)
    segunda = deliveries.start(task_id)
    assert (primera.count, segunda.count, segunda.first) == (1, 2, primera.first)
    deliveries.end(task_id)
    assert deliveries.start(task_id).count == 1
    deliveries.end(task_id)


def test_sin_redis_la_tarea_corre_sin_contar(monkeypatch):
    cerrado = redis.Redis(port=devservices.free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(deliveries, "_client", cerrado)
    assert deliveries.start("sin-redis") is None
    deliveries.end("sin-redis")  # logged, not raised
