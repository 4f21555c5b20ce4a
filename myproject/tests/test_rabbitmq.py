"""RabbitMQ as the broker: the same code, switched by ``CELERY_BROKER_URL=amqp://...``.

Each test session gets its own virtual host (created with ``rabbitmqctl`` when it is
available, else the default vhost with our queues purged), so runs never see each
other's messages. The test process keeps Redis as its broker (settings are read at
import); it publishes to and inspects RabbitMQ through explicit connections, while
the workers it starts get the amqp URL in their environment, as production would.
"""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.procesos import BASE_DIR, app_de_celery, detener, entorno_de_proceso, esperar, iniciar_worker
from ventas.models import Producto

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")

pytestmark = [pytest.mark.rabbitmq, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

SONDA = "pruebas.tasks.sonda"  # a quick no-op that returns False


def _alcanzable(url: str) -> bool:
    partes = urlsplit(url)
    try:
        with socket.create_connection((partes.hostname, partes.port or 5672), timeout=1):
            return True
    except OSError:
        return False


def _rabbitmqctl(*args: str) -> bool:
    if not shutil.which("rabbitmqctl"):
        return False
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=30).returncode == 0


@pytest.fixture(scope="module")
def rabbitmq():
    """Yield the amqp:// URL of a private vhost on the local RabbitMQ (skip when none answers)."""
    if not _alcanzable(RABBITMQ_URL):
        pytest.skip(f"RabbitMQ is not reachable at {urlsplit(RABBITMQ_URL).netloc.split('@')[-1]} (set RABBITMQ_URL)")
    vhost = f"mitienda-test-{os.getpid()}"
    usuario = urlsplit(RABBITMQ_URL).username or "guest"
    permisos = ("set_permissions", "-p", vhost, usuario, ".*", ".*", ".*")
    propio = _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl(*permisos)
    url = urlsplit(RABBITMQ_URL)._replace(path=f"/{vhost}").geturl() if propio else RABBITMQ_URL
    yield url
    if propio:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def rabbit(rabbitmq):
    """A Celery app like the project's, on the test vhost: sends tasks by name, controls workers."""
    app = app_de_celery(rabbitmq)
    yield app
    app.close()


@pytest.fixture
def conexion(rabbit):
    """A connection to the test vhost with every queue of settings declared and empty."""
    with rabbit.connection_for_write() as conexion:
        canal = conexion.default_channel
        for cola in settings.CELERY_TASK_QUEUES:
            cola(canal).declare()
            canal.queue_purge(cola.name)
        yield conexion


def profundidad(conexion, cola: str) -> int:
    """Return how many messages wait (ready, not delivered) in a queue."""
    return conexion.default_channel.queue_declare(queue=cola, passive=True).message_count


def esperar_colas(conexion, **esperadas: int) -> None:
    """Wait until each named queue holds that many ready messages.

    Publishing is asynchronous and this connection is not the publisher's, so a
    message just sent may take a moment to show in the queue.
    """
    esperar(
        lambda: all(profundidad(conexion, cola) == n for cola, n in esperadas.items()),
        timeout=10,
        mensaje=f"queue depths {esperadas}",
    )


def tareas_en(conexion, cola: str) -> list[str]:
    """Take every ready message out of a queue and return their task names."""
    nombres = []
    while (mensaje := conexion.default_channel.basic_get(queue=cola, no_ack=True)) is not None:
        nombres.append(mensaje.headers["task"])
    return nombres


def test_un_worker_de_emails_solo_recibe_tareas_de_email(rabbitmq, rabbit, conexion):
    email = rabbit.send_task("ventas.tasks.enviar_email_confirmacion", (0,))
    pesada = rabbit.send_task("ventas.tasks.generar_factura_pdf", (0,))
    general = rabbit.send_task(SONDA)
    esperar_colas(conexion, emails=1, procesamiento_pesado=1, celery=1)

    worker = iniciar_worker("rabbit-emails", colas="emails", concurrencia=1, CELERY_BROKER_URL=rabbitmq)
    try:
        # The sale 0 does not exist: the email task finishes with False, sending nothing.
        assert email.get(timeout=30) is False
        colas = rabbit.control.inspect(timeout=2).active_queues()
        assert [[c["name"] for c in suyas] for suyas in colas.values()] == [["emails"]]
        assert [profundidad(conexion, c) for c in ("emails", "procesamiento_pesado", "celery")] == [0, 1, 1]
        assert pesada.state == general.state == "PENDING"
    finally:
        detener(worker)


def test_las_tareas_de_una_venta_van_a_las_colas_de_sus_rutas(rabbitmq, conexion):
    comprador = UsuarioFactory(username="comprador_rabbit")
    producto = ProductoFactory(stock=3, stock_minimo=3)
    # A separate process with nothing but CELERY_BROKER_URL changed makes the sale.
    script = f"""
        import django
        django.setup()
        from django.contrib.auth import get_user_model
        from pruebas.pedidos import comprar_y_pagar
        print(comprar_y_pagar(comprador=get_user_model().objects.get(pk={comprador.pk}),
                              producto_id={producto.pk}, cantidad=1).pk)
    """
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=BASE_DIR,
        env=entorno_de_proceso(CELERY_BROKER_URL=rabbitmq, DJANGO_SETTINGS_MODULE="myproject.settings"),
        check=True,
        capture_output=True,
        timeout=60,
    )
    # No worker yet: the sale's two tasks (its pipeline, the warehouse's alert) wait in the default queue.
    esperar_colas(conexion, celery=2, emails=0, procesamiento_pesado=0, analytics=0)

    # A worker on `celery` only runs them; what they start goes where the routes say and waits there.
    worker = iniciar_worker("rabbit-general", colas="celery", concurrencia=1, CELERY_BROKER_URL=rabbitmq)
    try:
        esperar(
            lambda: profundidad(conexion, "procesamiento_pesado") == 1 and profundidad(conexion, "emails") == 1,
            mensaje="the invoice and the low-stock email to be queued",
        )
        assert Producto.objects.get(pk=producto.pk).alerta_stock_enviada
    finally:
        detener(worker)
    assert tareas_en(conexion, "procesamiento_pesado") == ["ventas.tasks.generar_factura_pdf"]
    assert tareas_en(conexion, "emails") == ["ventas.tasks.notificar_stock_bajo"]
    assert tareas_en(conexion, "celery") == [] and profundidad(conexion, "analytics") == 0


def test_una_tarea_de_mayor_prioridad_adelanta_a_las_encoladas(rabbitmq, rabbit, conexion):
    # Five at the default priority (5), then an urgent one.
    normales = [rabbit.send_task(SONDA) for _ in range(5)]
    urgente = rabbit.send_task(SONDA, priority=9)
    esperar_colas(conexion, celery=6)

    worker = iniciar_worker("rabbit-prioridad", colas="celery", concurrencia=1, CELERY_BROKER_URL=rabbitmq)
    try:
        for resultado in [*normales, urgente]:
            assert resultado.get(timeout=30) is False
    finally:
        detener(worker)
    # One process, one message at a time: the order they finished is the order they were delivered.
    orden = sorted([*normales, urgente], key=lambda r: r.date_done)
    assert orden[0].id == urgente.id
    assert [r.id for r in orden[1:]] == [r.id for r in normales]
