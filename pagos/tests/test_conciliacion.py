"""Orders left waiting: Stripe down during the checkout, 3-D Secure, and the reconciliation.

Real localstripe (stopped and started again on its port), the session's real worker.
The reconciliation runs in this process with the clock moved (``ahora``), as Beat would
run it later; its schedule is the data migration's.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from pagos import selectors, services
from pagos.models import Pago
from pruebas.factories import UsuarioFactory
from pruebas.procesos import esperar
from pruebas.stripe import esperar_que_pare
from ventas.models import MovimientoInventario, Producto, Venta

from .conftest import crear_intento, esperar_estado, tarjeta

pytestmark = pytest.mark.django_db(transaction=True)

TARJETA_3DS = "4000002500003155"


def _mas_tarde(minutos: float):
    return timezone.now() + timedelta(minutes=minutos)


def _devoluciones(venta) -> int:
    return MovimientoInventario.objects.filter(venta=venta, motivo=MovimientoInventario.Motivo.DEVOLUCION).count()


def test_stripe_caido_en_la_compra_la_venta_espera_avisa_reintenta_y_se_paga_al_volver(
    localstripe, celery_worker, comprar, producto
):
    localstripe.detener()
    esperar_que_pare(localstripe)
    try:
        venta = comprar("pm_card_visa", cantidad=1)
        esperar(
            lambda: Venta.objects.get(pk=venta.pk).pago_nota == services.NOTA_REINTENTO,
            mensaje="the buyer told the payment is being retried",
        )
        assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.PENDIENTE_PAGO
        assert Producto.objects.get(pk=producto.pk).stock == 9
    finally:
        localstripe.arrancar()

    venta = esperar_estado(venta, Venta.Estado.PAGADA, timeout=60)
    assert venta.pago_nota == ""
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [venta.pago_referencia]
    # Reconciliation much later: a paid order is never expired.
    assert services.conciliar(ahora=_mas_tarde(60))["expirada"] == 0
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.PAGADA and _devoluciones(venta) == 0


def test_sin_pago_la_conciliacion_espera_y_luego_expira_devolviendo_el_stock_una_vez(
    localstripe, venta_pendiente, producto
):
    # Its task never ran (lost): no Pago, no PaymentIntent.
    venta = venta_pendiente("pm_card_visa")
    assert Producto.objects.get(pk=producto.pk).stock == 9

    assert services.conciliar(ahora=_mas_tarde(10))["esperando"] == 1  # older than 5 min, younger than 30
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.PENDIENTE_PAGO

    assert services.conciliar(ahora=_mas_tarde(31))["expirada"] == 1
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.EXPIRADA
    assert Producto.objects.get(pk=producto.pk).stock == 10 and _devoluciones(venta) == 1
    # The late task finds the payment closed and creates nothing at Stripe.
    assert services.cobrar(venta_id=venta.pk) == "resuelta"
    assert Pago.objects.get(venta=venta).cerrado and localstripe.intentos(venta.pk) == []
    assert services.conciliar(ahora=_mas_tarde(60))["expirada"] == 0 and _devoluciones(venta) == 1


def test_la_conciliacion_asienta_un_cobro_hecho_en_vez_de_expirarlo(localstripe, venta_pendiente):
    venta = venta_pendiente("pm_card_visa")
    guardado = crear_intento(venta, confirmar=True)  # charged; the task and the webhook were lost

    assert services.conciliar(ahora=_mas_tarde(31))["pagada"] == 1
    venta.refresh_from_db()
    assert (venta.estado, venta.pago_referencia, _devoluciones(venta)) == (Venta.Estado.PAGADA, guardado, 0)


def test_la_conciliacion_cancela_en_stripe_lo_que_expira(localstripe, venta_pendiente):
    venta = venta_pendiente("pm_card_visa")
    guardado = crear_intento(venta)  # created and stored, never confirmed (the task died)

    assert services.conciliar(ahora=_mas_tarde(31))["expirada"] == 1
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.EXPIRADA
    [pi] = localstripe.intentos(venta.pk)
    assert (pi["id"], pi["status"]) == (guardado, "canceled")  # so it can never charge
    assert services.cobrar(venta_id=venta.pk) == "resuelta" and localstripe.cobrados(venta.pk) == []


def test_3ds_la_venta_espera_la_verificacion_y_se_paga_cuando_el_comprador_la_completa(
    localstripe, celery_worker, comprar, comprador, client
):
    venta = comprar(tarjeta(TARJETA_3DS), cantidad=1)
    esperar(
        lambda: Pago.objects.filter(venta=venta, estado_stripe="requires_action").exists(),
        mensaje="the PaymentIntent to ask for 3-D Secure",
    )
    esperar(lambda: Venta.objects.get(pk=venta.pk).pago_nota == services.NOTA_VERIFICACION, mensaje="the note")
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PENDIENTE_PAGO
    pago = Pago.objects.get(venta=venta)
    # The buyer's page gets the client secret Stripe.js needs; nobody else does.
    resumen = selectors.resumen_pago(venta, comprador)
    assert resumen["requiere_accion"] and resumen["client_secret"] == pago.client_secret
    assert "client_secret" not in selectors.resumen_pago(venta, UsuarioFactory(username="otra"))
    client.force_login(comprador)
    pagina = client.get(f"/ventas/{venta.pk}/").content.decode()
    assert f'data-client-secret="{pago.client_secret}"' in pagina and "Verificar pago" in pagina

    # What Stripe.js does when the buyer completes it, then our page tells the server.
    localstripe.autenticar(pago.payment_intent_id, pago.client_secret, exito=True)
    respuesta = client.post(f"/pagos/ventas/{venta.pk}/autenticado/", HTTP_ACCEPT="application/json")
    assert respuesta.status_code == 202

    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [pago.payment_intent_id] == [venta.pago_referencia]
    assert Pago.objects.get(venta=venta).client_secret == ""


def test_3ds_nunca_completado_expira_por_la_conciliacion_y_ya_no_puede_cobrarse(
    localstripe, celery_worker, comprar, producto
):
    venta = comprar(tarjeta(TARJETA_3DS), cantidad=2)
    esperar(
        lambda: Pago.objects.filter(venta=venta, estado_stripe="requires_action").exists(),
        mensaje="the PaymentIntent to ask for 3-D Secure",
    )
    pago = Pago.objects.get(venta=venta)

    assert services.conciliar(ahora=_mas_tarde(10))["esperando"] == 1
    assert services.conciliar(ahora=_mas_tarde(31))["expirada"] == 1
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.EXPIRADA
    assert Producto.objects.get(pk=producto.pk).stock == 10 and _devoluciones(venta) == 1
    # The buyer comes back too late: Stripe refuses, nothing is charged.
    with pytest.raises(Exception, match="400"):
        localstripe.autenticar(pago.payment_intent_id, pago.client_secret, exito=True)
    assert localstripe.cobrados(venta.pk) == []


def test_3ds_fallido_rechaza_la_venta(localstripe, celery_worker, comprar, comprador, client, producto):
    venta = comprar(tarjeta(TARJETA_3DS), cantidad=1)
    esperar(lambda: Pago.objects.filter(venta=venta, estado_stripe="requires_action").exists(), mensaje="3DS")
    pago = Pago.objects.get(venta=venta)

    localstripe.autenticar(pago.payment_intent_id, pago.client_secret, exito=False)
    client.force_login(comprador)
    assert client.post(f"/pagos/ventas/{venta.pk}/autenticado/").status_code == 302

    venta = esperar_estado(venta, Venta.Estado.RECHAZADA)
    assert venta.pago_nota == "No se completó la verificación de tu banco (3-D Secure)."
    assert Producto.objects.get(pk=producto.pk).stock == 10


def test_otro_usuario_no_puede_reintentar_el_cobro_ajeno(client, venta_pendiente):
    venta = venta_pendiente()
    client.force_login(UsuarioFactory(username="intrusa"))
    assert client.post(f"/pagos/ventas/{venta.pk}/autenticado/").status_code == 404


def test_la_conciliacion_esta_en_beat_cada_5_minutos(django_db_setup):
    import importlib

    from django.apps import apps

    from myproject.beat import programar

    migracion = importlib.import_module("pagos.migrations.0002_tareas_periodicas")
    programar(apps, migracion.TAREAS)  # transactional tests flush what the migration wrote
    tarea = PeriodicTask.objects.get(task="pagos.tasks.conciliar_pagos")
    assert (tarea.interval.every, tarea.interval.period, tarea.enabled) == (5, "minutes", True)
