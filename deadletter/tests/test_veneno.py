"""A message that kills its worker is held back after ``CELERY_MAX_DELIVERIES`` runs, on Redis and on RabbitMQ.

A real worker with one pool process on the heavy queue, started with the test-only
tasks of ``tareas_veneno``: the poison one SIGKILLs its pool process on every run, as
the OOM killer or a crash in Pillow would. Celery (``reject_on_worker_lost``) hands the
message back each time; before the limit that went on forever, a process killed per
delivery and the invoice queued behind it held up. See docs/reliability.md.
"""

import pytest
from django.conf import settings

from deadletter.models import DeadLetter
from pruebas import procesos
from pruebas.factories import ProductoFactory, VentaFactory
from pruebas.procesos import esperar
from ventas.models import Venta
from ventas.tests.test_fallos import vhost_rabbitmq  # noqa: F401 - a fixture, used through ``broker``

pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

MATAR = "deadletter.tests.tareas_veneno.matar_su_proceso"
REINTENTAR = "deadletter.tests.tareas_veneno.reintentar"


@pytest.fixture(params=["redis", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def broker(request):
    """A broker of the test's own, which the session's worker does not read."""
    return request.getfixturevalue("broker_redis_aparte" if request.param == "redis" else "vhost_rabbitmq")


def _venta_sin_factura(monkeypatch) -> Venta:
    """Make a sale whose pipeline is not sent anywhere: the test sends its invoice task itself."""
    return VentaFactory(producto=ProductoFactory(stock=5))  # paid, its pipeline not queued


def test_el_mensaje_que_mata_a_su_worker_queda_retenido_y_la_cola_sigue(broker, monkeypatch, tmp_path):
    limite = settings.CELERY_MAX_DELIVERIES
    venta = _venta_sin_factura(monkeypatch)
    ejecuciones = tmp_path / "ejecuciones"
    otra = procesos.app_de_celery(broker)
    # In line on the heavy queue: the poison message, a task that retries itself more
    # times than the limit (same task id, never a death), and the sale's invoice.
    veneno = otra.send_task(MATAR, (str(ejecuciones),), queue="procesamiento_pesado")
    reintento = otra.send_task(REINTENTAR, (limite + 2,), queue="procesamiento_pesado")
    factura = otra.send_task("ventas.tasks.generar_factura_pdf", (venta.pk,))
    assert otra.amqp.router.route({}, "ventas.tasks.generar_factura_pdf")["queue"].name == "procesamiento_pesado"

    worker = procesos.iniciar_worker(
        "veneno",
        colas="procesamiento_pesado",
        concurrencia=1,
        argumentos=["--include", "deadletter.tests.tareas_veneno"],
        CELERY_BROKER_URL=broker,
    )
    try:
        assert factura.get(timeout=120) == Venta.objects.get(pk=venta.pk).factura.name
        assert reintento.get(timeout=60) == limite + 2
        esperar(lambda: veneno.state == "FAILURE", timeout=30, mensaje="the poison message to be recorded as failed")
    finally:
        procesos.detener(worker)
        otra.close()

    [retenido] = DeadLetter.objects.all()
    assert (retenido.task_name, retenido.task_id, retenido.args, retenido.kwargs) == (
        MATAR,
        veneno.id,
        [str(ejecuciones)],
        {},
    )
    assert (retenido.queue, retenido.deliveries, retenido.status) == ("procesamiento_pesado", limite + 1, "held")
    assert retenido.first_seen < retenido.last_seen
    assert retenido.options["task_id"] == veneno.id
    # It ran (and killed its process) ``limite`` times, and not once more.
    assert len(ejecuciones.read_text().splitlines()) == limite
    assert isinstance(veneno.result, Exception) and "murió" in str(veneno.result)
