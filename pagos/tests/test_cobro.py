"""The charge: a real localstripe process, the session's real Celery worker, no mocks.

Each test reads Stripe's side from localstripe itself (its PaymentIntents, filtered by
the order's metadata) to prove the one-charge promise, not our own bookkeeping.
"""

import pytest

from notificaciones.models import Notificacion
from pagos import services
from pagos.models import Pago
from ventas.models import MovimientoInventario, Producto, Venta

from .conftest import cobrar_en_el_worker, crear_intento, esperar_estado

pytestmark = pytest.mark.django_db(transaction=True)


def test_una_tarjeta_que_paga_cobra_una_vez_el_total_en_centavos(localstripe, celery_worker, comprar, vendedor):
    venta = comprar("pm_card_visa", cantidad=2)

    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    [cobro] = localstripe.cobrados(venta.pk)
    assert cobro["amount"] == 29980 and cobro["currency"] == "mxn"
    assert venta.pago_referencia == cobro["id"] == Pago.objects.get(venta=venta).payment_intent_id
    assert len(localstripe.intentos(venta.pk)) == 1
    assert Notificacion.objects.filter(usuario=vendedor, tipo="nueva_venta").count() == 1


def test_la_tarea_tres_veces_a_la_vez_cobra_una_sola_vez(localstripe, celery_worker, comprar):
    venta = comprar("pm_card_visa")
    # Two more deliveries of the same task, racing the checkout's own on the worker's two processes.
    cobrar_en_el_worker(venta.pk)
    cobrar_en_el_worker(venta.pk)

    esperar_estado(venta, Venta.Estado.PAGADA)
    cobrar_en_el_worker(venta.pk)  # and once more after it was paid
    pago = Pago.objects.get(venta=venta)
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [pago.payment_intent_id]
    # A PaymentIntent of a run that lost the race to store its id was cancelled, never confirmed.
    otros = [pi for pi in localstripe.intentos(venta.pk) if pi["id"] != pago.payment_intent_id]
    assert all(pi["status"] in {"canceled", "requires_confirmation"} for pi in otros)


def test_muerta_entre_crear_y_confirmar_la_siguiente_entrega_confirma_el_guardado(
    localstripe, celery_worker, venta_pendiente
):
    venta = venta_pendiente("pm_card_visa")
    # The first run created and stored the PaymentIntent, then its worker was SIGKILLed.
    guardado = crear_intento(venta)
    [pi] = localstripe.intentos(venta.pk)
    assert pi["id"] == guardado and pi["status"] == "requires_confirmation"

    cobrar_en_el_worker(venta.pk)  # the redelivery

    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    assert [pi["id"] for pi in localstripe.intentos(venta.pk)] == [guardado]
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [guardado] == [venta.pago_referencia]


def test_muerta_tras_confirmar_la_siguiente_entrega_solo_asienta(localstripe, celery_worker, venta_pendiente):
    venta = venta_pendiente("pm_card_visa")
    guardado = crear_intento(venta, confirmar=True)  # charged, then killed before settling

    cobrar_en_el_worker(venta.pk)

    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    assert [pi["id"] for pi in localstripe.intentos(venta.pk)] == [guardado] == [venta.pago_referencia]


def test_una_tarjeta_rechazada_devuelve_el_stock_una_vez_y_dice_por_que(
    localstripe, celery_worker, comprar, producto, vendedor, buzon
):
    venta = comprar("pm_card_chargeCustomerFail", cantidad=3)
    assert Producto.objects.get(pk=producto.pk).stock == 7

    venta = esperar_estado(venta, Venta.Estado.RECHAZADA)
    assert venta.pago_nota == "Tu banco rechazó la tarjeta."
    assert Producto.objects.get(pk=producto.pk).stock == 10
    devoluciones = MovimientoInventario.objects.filter(venta=venta, motivo=MovimientoInventario.Motivo.DEVOLUCION)
    assert [(m.producto_id, m.cantidad) for m in devoluciones] == [(producto.pk, 3)]
    assert localstripe.cobrados(venta.pk) == []
    assert not Notificacion.objects.filter(usuario=vendedor, tipo="nueva_venta").exists()
    # Another delivery changes nothing: no second refund of stock.
    cobrar_en_el_worker(venta.pk)
    assert services.cobrar(venta_id=venta.pk) == "resuelta"
    assert Producto.objects.get(pk=producto.pk).stock == 10 and devoluciones.count() == 1


def test_un_metodo_de_pago_que_stripe_no_conoce_rechaza_la_venta(localstripe, celery_worker, comprar, producto):
    venta = comprar("pm_que_no_existe", cantidad=1)

    venta = esperar_estado(venta, Venta.Estado.RECHAZADA)
    assert venta.pago_nota == "El método de pago no es válido."
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert localstripe.intentos(venta.pk) == []
