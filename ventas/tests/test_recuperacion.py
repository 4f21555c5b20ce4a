"""Work lost between commit and publish is published by the outbox relay, once (see docs/reliability.md).

Real processes: the private Redis is stopped while the state commits, or the process
that committed is SIGKILLed before it publishes; a real Beat runs the relay's schedule
and the session's worker does the work. The sale pipeline with Redis down is
``test_fallos.py::test_redis_caido_al_comprar_la_venta_se_guarda_y_el_relay_la_completa``.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone

from myproject import devservices
from outbox.models import OutboxMessage
from pruebas import procesos
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import comprar_y_pagar
from pruebas.procesos import BASE_DIR, LOG_DIR, esperar
from ventas import emails, services
from ventas.models import CarritoCompra, EnvioEmail, ItemCarrito, Venta

# Slack for a busy two-core machine on top of what the relay itself needs.
HOLGURA = 30


def _recibidos(fila: OutboxMessage) -> int:
    """How many times the session's worker received the row's task: its log says so once per delivery.

    By name and id: a task that replaces itself hands its id on to the chain's last task.
    """
    return (LOG_DIR / "worker.log").read_text(errors="replace").count(f"{fila.task_name}[{fila.task_id}] received")


def _entregadas_una_vez(filas: list[OutboxMessage]) -> None:
    """Check every row was sent, and its task delivered exactly once (after a pause for a late copy)."""
    time.sleep(2)
    for fila in OutboxMessage.objects.filter(pk__in=[f.pk for f in filas]):
        assert fila.sent_at is not None and fila.attempts == 0, fila
        assert _recibidos(fila) == 1, fila


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_con_redis_caido_al_confirmar_el_aviso_al_proveedor_y_el_recordatorio_llegan_una_vez_al_volver(
    relay_del_outbox, redis_privado, buzon
):
    bajo = ProductoFactory(stock=2, stock_minimo=5)  # under its minimum, supplier not told yet
    dueno = UsuarioFactory(username="olvidadizo")
    carrito = CarritoCompra.objects.create(usuario=dueno)
    ItemCarrito.objects.create(carrito=carrito, producto=ProductoFactory(stock=5), cantidad=1)

    redis_privado.detener()
    assert not devservices.redis_reachable(os.environ["REDIS_URL"])
    inicio = time.monotonic()
    assert services.actualizar_inventario(producto_id=bajo.pk) is True
    assert services.marcar_recordatorio(carrito_id=carrito.pk) is True
    assert time.monotonic() - inicio < 5, "a service waited for a broker that is down"

    # Both committed with their rows; the failed publish released them for the relay and
    # counted against neither (the broker being down is no row's fault).
    filas = list(OutboxMessage.objects.order_by("pk"))
    assert [(f.task_name, f.args) for f in filas] == [
        ("ventas.tasks.notificar_stock_bajo", [bajo.pk, 1]),
        ("ventas.tasks.enviar_recordatorio_carrito", [carrito.pk]),
    ]
    assert all(f.sent_at is None and f.claim_token is None and f.attempts == 0 for f in filas)

    vuelta = time.monotonic()  # from the moment Redis starts: the worker's reconnect counts too
    redis_privado.arrancar()
    esperar(
        lambda: buzon.para(bajo.proveedor.email) and buzon.para(dueno.email),
        timeout=relay_del_outbox + HOLGURA + 30,
        mensaje="the supplier alert and the cart reminder",
    )
    demora = time.monotonic() - vuelta
    assert demora < relay_del_outbox + HOLGURA
    _entregadas_una_vez(filas)
    assert len(buzon.para(bajo.proveedor.email)) == 1 and len(buzon.para(dueno.email)) == 1
    print(f"\nRedis back → alert and reminder delivered in {demora:.1f} s (relay every {relay_del_outbox} s)")


# Registered before the sale's own callback, so it runs first at commit: the process dies
# with the sale and its outbox row committed and nothing published, as a web process
# killed by the OOM killer or a deploy right after the commit would.
MUERE_TRAS_CONFIRMAR = """
import os, signal, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from pruebas.pedidos import comprar_y_pagar
with transaction.atomic():
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    comprador = get_user_model().objects.get(pk=int(sys.argv[1]))
    # An order paid in the same transaction (its charge is pagos' to test): its pipeline is the row.
    comprar_y_pagar(comprador=comprador, producto_id=int(sys.argv[2]), cantidad=1)
"""


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_un_proceso_muerto_justo_tras_confirmar_no_pierde_la_venta(relay_del_outbox, buzon, comprador, producto):
    hecho = subprocess.run(
        [sys.executable, "-c", MUERE_TRAS_CONFIRMAR, str(comprador.pk), str(producto.pk)],
        cwd=BASE_DIR,
        env=procesos.entorno_de_proceso(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    muerto = time.monotonic()
    assert hecho.returncode == -signal.SIGKILL, hecho.stderr

    venta = Venta.objects.get()
    # The pipeline and the warehouse's alert, both rows of the payment's transaction.
    fila, al_almacen = OutboxMessage.objects.order_by("pk")
    assert (fila.task_name, fila.args, fila.sent_at) == ("ventas.tasks.procesar_venta_completa", [venta.pk], None)
    assert (al_almacen.task_name, al_almacen.args) == ("almacen.tasks.notificar_almacen", [venta.pk, "venta.pagada"])
    # Still held by the dead process's callback: the relay waits for its lease to end.
    assert fila.claimed_until > timezone.now()

    esperar(
        lambda: Venta.objects.get(pk=venta.pk).email_enviado,
        timeout=settings.OUTBOX_CLAIM_SECONDS + relay_del_outbox + HOLGURA + 30,
        mensaje="the confirmation of the sale whose process died",
    )
    demora = time.monotonic() - muerto
    assert demora < settings.OUTBOX_CLAIM_SECONDS + relay_del_outbox + HOLGURA
    _entregadas_una_vez([fila])
    assert len(buzon.para(comprador.email)) == 1
    print(f"\nSIGKILL after commit → sale confirmed {demora:.1f} s later (lease {settings.OUTBOX_CLAIM_SECONDS} s)")


def test_un_email_reclamado_por_otro_worker_se_reintenta_no_se_da_por_hecho(
    comprador, producto, settings, tmp_path, buzon
):
    """On RabbitMQ a dead worker's task comes back at once, while its claim is fresh."""
    settings.MEDIA_ROOT = tmp_path
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    clave = f"confirmacion:venta:{venta.pk}"
    EnvioEmail.objects.create(clave=clave, reclamado=timezone.now(), intentos=1)

    with pytest.raises(emails.EmailEnCurso) as en_curso:
        services.enviar_email_confirmacion(venta_id=venta.pk)
    assert 1 <= en_curso.value.segundos <= emails.plazo_de_reclamo().total_seconds() + 1
    assert buzon.mensajes == []

    EnvioEmail.objects.filter(clave=clave).update(reclamado=timezone.now() - emails.plazo_de_reclamo())
    assert services.enviar_email_confirmacion(venta_id=venta.pk) is True
    assert len(buzon.mensajes) == 1 and EnvioEmail.objects.get(clave=clave).intentos == 2
