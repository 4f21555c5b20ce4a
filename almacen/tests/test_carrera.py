"""Cancel racing ship, 50 times: each order ends in exactly one state, and only the cancelled ones are refunded."""

import threading

import pytest
from django.db import connection

from almacen import services
from pagos import stripe_cliente
from pagos.models import Reembolso
from pruebas.factories import VentaFactory
from pruebas.procesos import esperar
from ventas.models import MovimientoInventario, Venta

pytestmark = pytest.mark.django_db(transaction=True)

VECES = 50


def _pagada_en_stripe(cliente, monto: int) -> str:
    """Return the id of a PaymentIntent charged in localstripe, as the payment task leaves it."""
    intento = cliente.v1.payment_intents.create(
        params={"amount": monto, "currency": "mxn", "payment_method": "pm_card_visa", "payment_method_types": ["card"]}
    )
    return cliente.v1.payment_intents.confirm(intento.id).id


def _a_la_vez(*acciones) -> list:
    """Run the actions in threads released together; return each one's result or exception."""
    salida = [None] * len(acciones)
    salida_lista = threading.Barrier(len(acciones))

    def correr(i, accion):
        try:
            salida_lista.wait()
            salida[i] = accion()
        except Exception as error:  # noqa: BLE001 - the loser's refusal is the result
            salida[i] = error
        finally:
            connection.close()

    hilos = [threading.Thread(target=correr, args=(i, a)) for i, a in enumerate(acciones)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(30)
    return salida


def test_cancelar_contra_enviar(celery_worker, localstripe, comprador, producto):
    cliente = stripe_cliente.cliente()
    ventas = []
    for _ in range(VECES):
        venta = VentaFactory(comprador=comprador, producto=producto, cantidad=1, estado=Venta.Estado.PREPARADA)
        Venta.objects.filter(pk=venta.pk).update(
            pago_referencia=_pagada_en_stripe(cliente, stripe_cliente.centavos(venta.total))
        )
        ventas.append(Venta.objects.get(pk=venta.pk))
    stock = producto.stock

    for venta in ventas:
        cancelo, envio = _a_la_vez(
            lambda v=venta: services.cancelar(venta_id=v.pk),
            lambda v=venta: services.enviar(venta_id=v.pk, transportista="DHL", guia=f"G{v.pk}"),
        )
        ganadores = [r for r in (cancelo, envio) if isinstance(r, Venta)]
        assert len(ganadores) == 1, (cancelo, envio)
        final = Venta.objects.get(pk=venta.pk).estado
        if isinstance(cancelo, Venta):
            assert final == Venta.Estado.CANCELADA
            assert "fue cancelado; no lo prepares ni lo envíes" in str(envio)
        else:
            assert final == Venta.Estado.ENVIADA
            assert "ya salió del almacén (enviado); ya no se puede cancelar" in str(cancelo)

    canceladas = set(
        Venta.objects.filter(pk__in=[v.pk for v in ventas], estado="cancelada").values_list("pk", flat=True)
    )
    assert set(Reembolso.objects.values_list("venta_id", flat=True)) == canceladas
    esperar(
        lambda: Reembolso.objects.filter(estado=Reembolso.Estado.REEMBOLSADO).count() == len(canceladas),
        timeout=60,
        mensaje="every cancelled order refunded",
    )
    for venta in ventas:
        refunds = cliente.v1.refunds.list(params={"payment_intent": venta.pago_referencia}).data
        assert len(refunds) == (1 if venta.pk in canceladas else 0), venta.pk
    devoluciones = MovimientoInventario.objects.filter(motivo=MovimientoInventario.Motivo.DEVOLUCION)
    assert sorted(devoluciones.values_list("venta_id", flat=True)) == sorted(canceladas)
    producto.refresh_from_db()
    assert producto.stock == stock + len(canceladas)
