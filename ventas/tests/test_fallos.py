"""Faults that must leave every committed sale fulfilled exactly once.

Real processes, broken on purpose: the private Redis is stopped while a buyer pays,
a worker is SIGKILLed with 50 sales in flight (on Redis and on RabbitMQ), and a task
message is published again byte for byte. See docs/reliability.md.
"""

import copy
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.db import transaction
from django.db.models import F
from kombu import Connection, Producer, Queue

from myproject import devservices
from myproject.celery import app
from outbox import services as outbox_services
from outbox.models import OutboxMessage
from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.pedidos import VISA, comprar_y_pagar, pagar
from pruebas.procesos import app_de_celery, detener, esperar, iniciar_worker
from ventas.models import EnvioEmail, LineaVenta, MovimientoInventario, Producto, Venta

pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

# Small enough that a test waits for a redelivery, large enough that a busy
# two-core machine finishes a task well inside it.
VISIBILIDAD = 10


def _emails_de(buzon, venta):
    return [m for m in buzon.mensajes if venta.numero in str(m["Subject"])]


def _facturas_en_disco(venta) -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT, "facturas").glob(f"factura-{venta.numero}*.pdf"))


# Redis down while a sale commits
# ------------------------------------------------------------------------------


def test_redis_caido_al_comprar_la_venta_se_guarda_y_el_relay_la_completa(
    relay_del_outbox, redis_privado, buzon, cliente_comprador, producto
):
    redis_privado.detener()
    assert not devservices.redis_reachable(os.environ["REDIS_URL"])

    inicio = time.monotonic()
    datos = {"cantidad": "2", "metodo_pago": VISA, **ENVIO}
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", datos)
    duracion = time.monotonic() - inicio

    venta = Venta.objects.get()
    assert (respuesta.status_code, respuesta["Location"]) == (302, f"/ventas/{venta.pk}/")
    assert duracion < 5, f"the purchase waited {duracion:.1f}s for a broker that is down"
    assert venta.estado == Venta.Estado.PENDIENTE_PAGO
    assert Producto.objects.get(pk=producto.pk).stock == 8

    # The charge is an outbox row of the order's transaction, left for the relay.
    [cobro] = OutboxMessage.objects.all()
    assert (cobro.task_name, cobro.args, cobro.sent_at) == ("pagos.tasks.cobrar_venta", [venta.pk], None)
    # Settled as the charge settles it (pagos' tests charge localstripe), with the broker still down:
    # the pipeline is one more row, left for the relay too.
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=cobro.pk).delete()
        assert pagar(venta)
    fila, al_almacen = OutboxMessage.objects.order_by("pk")
    assert (fila.task_name, fila.args, fila.sent_at) == ("ventas.tasks.procesar_venta_completa", [venta.pk], None)
    assert (al_almacen.task_name, al_almacen.args, al_almacen.sent_at) == (
        "almacen.tasks.notificar_almacen",
        [venta.pk, "venta.pagada"],
        None,
    )

    # Redis comes back empty on the same port (no persistence); the relay (a Beat task
    # every few seconds) publishes the row, unattended.
    vuelta = time.monotonic()  # from the moment Redis starts: the worker's reconnect counts too
    redis_privado.arrancar()
    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado, timeout=60, mensaje="the confirmation")
    assert time.monotonic() - vuelta < relay_del_outbox + 30
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PAGADA
    assert len(_emails_de(buzon, venta)) == 1
    assert [f.name for f in _facturas_en_disco(venta)] == [Path(venta.factura.name).name]
    assert OutboxMessage.objects.get(pk=fila.pk).sent_at is not None


# A worker killed with 50 sales in flight
# ------------------------------------------------------------------------------


@pytest.fixture
def vhost_rabbitmq():
    """A private RabbitMQ virtual host on 127.0.0.1:5672, removed afterwards."""
    if not _puerto_abierto(5672) or not shutil.which("rabbitmqctl"):
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672 (or rabbitmqctl is missing)")
    vhost = f"mitienda-fallos-{uuid.uuid4().hex[:8]}"
    for comando in (["add_vhost", vhost], ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]):
        hecho = subprocess.run(["rabbitmqctl", *comando], capture_output=True, text=True, timeout=60, check=False)
        if hecho.returncode:
            pytest.skip(f"rabbitmqctl {comando[0]} failed: {hecho.stderr.strip()[:200]}")
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60, check=False)


def _puerto_abierto(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _matar_con_hijos(proceso: subprocess.Popen) -> int:
    """SIGKILL a worker and its pool processes at once, as the OOM killer would; return how many."""
    hijos = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            campos = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(campos[1]) == proceso.pid:
            hijos.append(int(stat.parent.name))
    for pid in [proceso.pid, *hijos]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proceso.wait(10)
    return 1 + len(hijos)


def _ventas_en_vuelo(monkeypatch, broker: str, cuantas: int) -> list[Venta]:
    """Make ``cuantas`` sales whose pipeline messages go to ``broker``, over 10 products."""
    otra = app_de_celery(broker)
    # The outbox publishes through this app: the orders' pipelines go to ``broker``.
    monkeypatch.setattr(outbox_services, "app", otra)
    vendedor = UsuarioFactory()
    productos = [ProductoFactory(vendedor=vendedor, stock=20, stock_minimo=15) for _ in range(10)]
    compradores = [UsuarioFactory() for _ in range(5)]
    ventas = [
        comprar_y_pagar(comprador=compradores[i % 5], producto_id=productos[i % 10].pk, cantidad=1 + i % 2)
        for i in range(cuantas)
    ]
    otra.close()
    return ventas


def _copias_repetidas(emails, clave: str) -> int:
    """Check ``emails`` is one delivery of the email ``clave``, or two identical ones; return the repeats.

    SMTP is at-least-once: a worker killed after the server accepted a message but
    before recording it makes its successor send it again. Such a copy carries the
    same Message-ID (mail servers may drop it) and only an email whose claim was
    taken over (``intentos`` > 1) may have one. See docs/reliability.md.
    """
    assert emails, f"no email {clave}"
    if len(emails) == 1:
        return 0
    envio = EnvioEmail.objects.get(clave=clave)
    assert len(emails) == 2 and envio.intentos > 1, (clave, len(emails), envio.intentos)
    assert len({e["Message-ID"] for e in emails}) == 1
    return 1


def _verificar_una_vez_cada_una(buzon, ventas: list[Venta]) -> int:
    """Check each sale got one invoice and one confirmation (the worker's writes); return the repeats seen."""
    duplicados = 0
    for venta in Venta.objects.filter(pk__in=[v.pk for v in ventas]).select_related("comprador"):
        assert venta.estado == Venta.Estado.PAGADA and venta.email_enviado, venta
        assert Path(venta.factura.name).name.startswith(f"factura-{venta.numero}"), venta.factura.name
        assert Path(settings.MEDIA_ROOT, venta.factura.name).read_bytes().startswith(b"%PDF")
        emails = _emails_de(buzon, venta)
        assert all(e["To"] == venta.comprador.email for e in emails)
        duplicados += _copias_repetidas(emails, f"confirmacion:venta:{venta.pk}")
    return duplicados


def _un_aviso_por_cruce(buzon, ventas: list[Venta]) -> int:
    """Check the workers' stock checks: each product that ended under its minimum crossed it once and its
    supplier heard once; the others neither. Return the repeated alerts seen (SMTP, as above).

    Every sale's pipeline checks its product, so a product low after five sales is
    checked five times, by workers that may die mid-check and run again.
    """
    duplicados, vistos = 0, set()
    for producto in Producto.objects.filter(lineas_venta__venta__in=ventas).distinct().select_related("proveedor"):
        bajo = producto.stock_bajo
        vistos.add(bajo)
        assert (producto.cruces_stock_bajo, producto.alerta_stock_enviada) == (int(bajo), bajo), producto
        avisos = [m for m in buzon.mensajes if m["To"] == producto.proveedor.email]
        assert all(a["Subject"] == f"Stock bajo: {producto.nombre}" for a in avisos)
        if bajo:
            duplicados += _copias_repetidas(avisos, f"stock_bajo:producto:{producto.pk}:1")
        else:
            assert avisos == [] and not EnvioEmail.objects.filter(
                clave__startswith=f"stock_bajo:producto:{producto.pk}:"
            )
    assert vistos == {True, False}, "the sales must leave some products under their minimum and some not"
    return duplicados


def _productos_bajos(ventas: list[Venta]):
    return Producto.objects.filter(lineas_venta__venta__in=ventas, stock__lt=F("stock_minimo")).distinct()


def _stock_exacto(ventas: list[Venta]) -> None:
    """Check stock and the movements explain each other: the checkout wrote both, and no task may touch them."""
    lineas = LineaVenta.objects.filter(venta__in=ventas)
    for producto in Producto.objects.filter(lineas_venta__in=lineas).distinct():
        vendidas = sum(linea.cantidad for linea in lineas if linea.producto_id == producto.pk)
        assert producto.stock == 20 - vendidas
        assert -sum(producto.movimientos.values_list("cantidad", flat=True)) == vendidas
    assert MovimientoInventario.objects.filter(venta__in=ventas).count() == len(ventas)


def _matar_a_mitad_y_recuperar(monkeypatch, buzon, broker: str, nombre: str) -> dict:
    ventas = _ventas_en_vuelo(monkeypatch, broker, 50)
    entorno = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILIDAD)}

    primero = iniciar_worker(f"{nombre}-a", CELERY_BROKER_URL=broker, **entorno)
    # Kill it once it is well into the work, with tasks of both queues in hand.
    esperar(
        lambda: EnvioEmail.objects.filter(enviado__isnull=False).count() >= 8,
        timeout=60,
        intervalo=0.02,
        mensaje="the first worker to send some emails",
    )
    hechas_al_matar = Venta.objects.filter(email_enviado=True).count()
    _matar_con_hijos(primero)
    muerto = time.monotonic()
    en_mano = _sin_confirmar(broker)

    segundo = iniciar_worker(f"{nombre}-b", CELERY_BROKER_URL=broker, **entorno)
    try:
        esperar(
            lambda: Venta.objects.filter(email_enviado=True).count() == len(ventas),
            timeout=VISIBILIDAD + 45,
            intervalo=0.2,
            mensaje="every sale to be completed after the kill",
        )
        recuperacion = time.monotonic() - muerto
        # Each supplier alert is a message of its own, sent by a stock check: it may come last.
        avisos = [f"stock_bajo:producto:{p}:1" for p in _productos_bajos(ventas).values_list("pk", flat=True)]
        esperar(
            lambda: EnvioEmail.objects.filter(clave__in=avisos, enviado__isnull=False).count() == len(avisos),
            timeout=VISIBILIDAD + 45,
            intervalo=0.2,
            mensaje="every supplier alert of a low product to be sent",
        )
        # Let late duplicates (a retry waiting out an email claim) run too, before counting.
        if broker.startswith("redis"):
            esperar(lambda: _sin_confirmar(broker) == 0, timeout=30, mensaje="the broker to hold no message")
    finally:
        detener(segundo)
    duplicados = _verificar_una_vez_cada_una(buzon, ventas)
    avisos_duplicados = _un_aviso_por_cruce(buzon, ventas)
    _stock_exacto(ventas)
    return {
        "hechas_al_matar": hechas_al_matar,
        "sin_confirmar_al_matar": en_mano,
        "recuperacion": round(recuperacion, 1),
        "duplicados": duplicados,
        "avisos_duplicados": avisos_duplicados,
    }


def _sin_confirmar(broker: str) -> int | None:
    """Return how many messages a Redis broker holds as delivered but not acknowledged."""
    if not broker.startswith("redis"):
        return None
    with Connection(broker) as conexion:
        return conexion.default_channel.client.hlen("unacked")


def test_worker_muerto_a_mitad_en_redis(monkeypatch, buzon, broker_redis_aparte):
    resultado = _matar_a_mitad_y_recuperar(monkeypatch, buzon, broker_redis_aparte, "sigkill-redis")

    assert resultado["hechas_al_matar"] < 50, "the worker was killed too late to prove anything"
    assert resultado["sin_confirmar_al_matar"] > 0, "the killed worker held no message"
    # The killed worker's unacknowledged messages come back after the visibility
    # timeout (plus the restore scan interval), not after kombu's default hour.
    assert resultado["recuperacion"] < VISIBILIDAD + 40
    print(f"\nRedis SIGKILL: {resultado}")


@pytest.mark.rabbitmq
def test_worker_muerto_a_mitad_en_rabbitmq(monkeypatch, buzon, vhost_rabbitmq):
    resultado = _matar_a_mitad_y_recuperar(monkeypatch, buzon, vhost_rabbitmq, "sigkill-rabbitmq")

    assert resultado["hechas_al_matar"] < 50, "the worker was killed too late to prove anything"
    # RabbitMQ requeues a dead connection's unacknowledged messages at once.
    assert resultado["recuperacion"] < 40
    print(f"\nRabbitMQ SIGKILL: {resultado}")


# The same message delivered twice
# ------------------------------------------------------------------------------


def _esperar_quietud(broker: str) -> None:
    """Wait until every queue is empty and no worker holds a task, twice in a row."""

    def en_cola(conexion, nombre):
        try:
            return Queue(nombre, channel=conexion.channel()).queue_declare(passive=True).message_count
        except conexion.channel_errors:  # Redis: an empty queue has no key, so "no such queue"
            return 0

    def quieto():
        with Connection(broker) as conexion:
            if any(en_cola(conexion, nombre) for nombre in settings.CELERY_QUEUE_NAMES):
                return False
        inspeccion = app.control.inspect(timeout=1)
        en_curso = [*(inspeccion.active() or {}).values(), *(inspeccion.reserved() or {}).values()]
        return not any(en_curso)

    esperar(lambda: quieto() and quieto(), timeout=60, intervalo=0.5, mensaje="the queues to drain")


def test_el_mismo_mensaje_entregado_dos_veces(celery_worker, buzon, comprador, vendedor):
    producto = ProductoFactory(vendedor=vendedor, stock=5, stock_minimo=4)
    publicados = []

    def capturar(sender=None, body=None, exchange=None, routing_key=None, headers=None, properties=None, **_):
        publicados.append(copy.deepcopy((body, exchange, routing_key, headers, properties)))

    before_task_publish.connect(capturar)
    try:
        venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=2)  # 5 -> 3 (< 4)
    finally:
        before_task_publish.disconnect(capturar)
    assert [h["task"] for _, _, _, h, _ in publicados] == [
        "ventas.tasks.procesar_venta_completa",
        "almacen.tasks.notificar_almacen",
    ]

    # The very same messages (same task ids, same bodies) twice more, while the
    # first delivery may still be running.
    with Connection(settings.CELERY_BROKER_URL) as conexion:
        productor = Producer(conexion)
        for _ in range(2):
            for body, exchange, routing_key, headers, properties in publicados:
                productor.publish(
                    body, exchange=exchange, routing_key=routing_key, headers=headers, serializer="json", **properties
                )

    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado, timeout=60, mensaje="the confirmation")
    esperar(lambda: buzon.para(producto.proveedor.email), timeout=60, mensaje="the supplier alert")
    _esperar_quietud(settings.CELERY_BROKER_URL)

    venta.refresh_from_db()
    assert len(_emails_de(buzon, venta)) == 1
    assert len(buzon.para(producto.proveedor.email)) == 1
    assert [f.name for f in _facturas_en_disco(venta)] == [Path(venta.factura.name).name]
    # What the three runs of the stock check wrote: one crossing, its alert sent once.
    producto.refresh_from_db()
    assert (producto.cruces_stock_bajo, producto.alerta_stock_enviada) == (1, True)
    assert EnvioEmail.objects.get(clave=f"stock_bajo:producto:{producto.pk}:1").intentos == 1
    # Written by the checkout, not by a task: the repeats must not touch them either.
    assert MovimientoInventario.objects.filter(producto=producto).count() == 1
    assert producto.stock == 3
