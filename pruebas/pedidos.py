"""Placing orders in tests: the checkout service with the test address and a test card, and settling them.

``pagar`` is the same state change the payment task makes after Stripe's answer
(``services.marcar_pagada``); tests of the pipeline use it where they do not test the
payment itself (pagos/tests do, against localstripe).
"""

from django.db import transaction

from outbox.models import OutboxMessage
from ventas import services

from .factories import datos_envio

VISA = "pm_card_visa"
DECLINA = "pm_card_chargeCustomerFail"


def comprar(*, comprador, producto_id: int, cantidad: int = 1, metodo_pago: str = VISA, envio=None):
    return services.comprar(
        comprador=comprador,
        producto_id=producto_id,
        cantidad=cantidad,
        envio=envio or datos_envio(),
        metodo_pago=metodo_pago,
    )


def comprar_carrito(*, usuario, metodo_pago: str = VISA, envio=None):
    return services.comprar_carrito(usuario=usuario, envio=envio or datos_envio(), metodo_pago=metodo_pago)


def pagar(venta) -> bool:
    return services.marcar_pagada(venta_id=venta.pk, referencia=f"pi_prueba_{venta.pk}")


def comprar_y_pagar(**datos):
    """An order placed and settled as paid in one transaction, for tests of what follows a payment.

    Its charge task is dropped before commit, so only the pipeline is published: the
    payment itself is pagos' to test, against localstripe.
    """
    with transaction.atomic():
        venta = comprar(**datos)
        OutboxMessage.objects.filter(task_name="pagos.tasks.cobrar_venta", args=[venta.pk]).delete()
        assert pagar(venta)
    venta.refresh_from_db()
    return venta
