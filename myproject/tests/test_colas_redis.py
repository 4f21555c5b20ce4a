"""The queues on Redis, the default broker: a flood in one queue does not starve another,
and message priorities follow kombu's Redis emulation (a lower number goes first).

A worker of the test's own consumes a Redis database of its own, started only once the
messages wait, so the order they finish in is the order the broker handed them out.
"""

import pytest
from django.conf import settings

from pruebas.procesos import app_de_celery, detener, esperar, iniciar_worker

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

TAREA = "pruebas.tasks.sonda"  # a quick no-op that returns False


@pytest.fixture
def redis_aparte(broker_redis_aparte):
    """A Celery app publishing to a Redis database no other worker consumes."""
    app = app_de_celery(broker_redis_aparte)
    yield app
    app.close()


def _en_orden_de_llegada(resultados) -> list[str]:
    """One worker process, one message at a time: finishing order is delivery order."""
    for resultado in resultados:
        assert resultado.get(timeout=30) is False
    return [r.id for r in sorted(resultados, key=lambda r: r.date_done)]


def test_una_cola_inundada_no_deja_sin_turno_a_las_demas(broker_redis_aparte, redis_aparte):
    inundacion = [redis_aparte.send_task(TAREA, queue="celery") for _ in range(30)]
    email = redis_aparte.send_task(TAREA, queue="emails")

    # The queue named first on the command line would win every fetch under a fixed order.
    worker = iniciar_worker("redis-colas", colas="celery,emails", concurrencia=1, CELERY_BROKER_URL=broker_redis_aparte)
    try:
        orden = _en_orden_de_llegada([*inundacion, email])
    finally:
        detener(worker)
    assert orden.index(email.id) <= 2, f"the emails task ran {orden.index(email.id) + 1}th of {len(orden)}"


def test_las_tareas_salen_con_la_prioridad_por_defecto(celery_worker):
    from celery.signals import before_task_publish

    from pruebas.tasks import sonda

    vistas = []

    def ver(headers=None, properties=None, **kwargs):
        vistas.append((headers["task"], properties.get("priority")))

    before_task_publish.connect(ver)
    try:
        sonda.delay()
    finally:
        before_task_publish.disconnect(ver)
    assert vistas == [(TAREA, settings.CELERY_TASK_DEFAULT_PRIORITY)] == [(TAREA, 5)]


def test_en_redis_una_prioridad_menor_adelanta_a_las_encoladas(broker_redis_aparte, redis_aparte):
    # Five at the default priority, then an urgent one: on Redis, 0 is the most urgent.
    normales = [redis_aparte.send_task(TAREA, priority=settings.CELERY_TASK_DEFAULT_PRIORITY) for _ in range(5)]
    urgente = redis_aparte.send_task(TAREA, priority=0)

    worker = iniciar_worker("redis-prioridad", colas="celery", concurrencia=1, CELERY_BROKER_URL=broker_redis_aparte)
    try:
        orden = _en_orden_de_llegada([*normales, urgente])
    finally:
        detener(worker)
    assert orden == [urgente.id, *(r.id for r in normales)]


def test_lo_que_lanza_una_tarea_hereda_su_prioridad(broker_redis_aparte, redis_aparte):
    import json

    from pruebas.factories import ProductoFactory, VentaFactory

    venta = VentaFactory(producto=ProductoFactory(stock=5))  # paid, its pipeline sent below by hand
    redis_aparte.send_task("ventas.tasks.procesar_venta_completa", (venta.pk,), priority=1)

    # A worker on `celery` only runs the pipeline; the invoice it chains waits in its queue.
    worker = iniciar_worker("redis-herencia", colas="celery", concurrencia=1, CELERY_BROKER_URL=broker_redis_aparte)
    with redis_aparte.connection_for_write() as conexion:
        cliente = conexion.default_channel.client
        try:
            esperar(lambda: cliente.keys("procesamiento_pesado*"), mensaje="the invoice task to be queued")
        finally:
            detener(worker)
        # kombu keeps one list per priority step; each message says its own priority.
        [clave] = cliente.keys("procesamiento_pesado*")
        [mensaje] = [json.loads(m) for m in cliente.lrange(clave, 0, -1)]
    assert mensaje["headers"]["task"] == "ventas.tasks.generar_factura_pdf"
    assert mensaje["properties"]["priority"] == 1
