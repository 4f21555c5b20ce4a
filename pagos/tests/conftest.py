"""Fixtures of the payment tests: a buyer, a seller's product, orders, and Stripe's side of them.

localstripe's port and keys are in the environment from the plugin (pruebas/plugin.py),
so the session's worker and Daphne talk to the same server as this process.
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from outbox import services as outbox
from pagos import stripe_cliente
from pruebas.factories import ProductoFactory, UsuarioFactory, VentaFactory, datos_envio
from pruebas.procesos import esperar
from ventas import services as ventas
from ventas.models import Venta


@pytest.fixture
def comprador(db):
    return UsuarioFactory(username="compradora_pagos")


@pytest.fixture
def vendedor(db):
    return UsuarioFactory(username="vendedor_pagos")


@pytest.fixture
def producto(vendedor):
    return ProductoFactory(vendedor=vendedor, nombre="Mole en pasta", precio=Decimal("149.90"), stock=10)


@pytest.fixture
def comprar(comprador, producto):
    """Check out ``cantidad`` of the product with ``metodo_pago``, as the view does (the charge goes to the worker)."""

    def hacer(metodo_pago: str = "pm_card_visa", cantidad: int = 2, quien=None) -> Venta:
        return ventas.comprar(
            comprador=quien or comprador,
            producto_id=producto.pk,
            cantidad=cantidad,
            envio=datos_envio(),
            metodo_pago=metodo_pago,
        )

    return hacer


@pytest.fixture
def venta_pendiente(comprador, producto):
    """An order waiting for its payment, written without the checkout (no charge sent): ``minutos`` old."""

    def hacer(metodo_pago: str = "pm_card_visa", minutos: float = 0) -> Venta:
        venta = VentaFactory(
            comprador=comprador,
            producto=producto,
            cantidad=1,
            estado=Venta.Estado.PENDIENTE_PAGO,
            metodo_pago=metodo_pago,
            fecha_creacion=timezone.now() - timedelta(minutes=minutos),
        )
        # The factory reserves nothing; take the unit as the checkout would have.
        type(producto).objects.filter(pk=producto.pk).update(stock=producto.stock - 1)
        return venta

    return hacer


def cobrar_en_el_worker(venta_id: int) -> None:
    """Send ``pagos.tasks.cobrar_venta`` as the checkout does: an outbox row, published on commit."""
    with transaction.atomic():
        outbox.enqueue("pagos.tasks.cobrar_venta", args=[venta_id])


def esperar_estado(venta: Venta, estado: str, timeout: float = 30) -> Venta:
    esperar(
        lambda: Venta.objects.filter(pk=venta.pk, estado=estado).exists(),
        timeout=timeout,
        mensaje=f"order {venta.pk} to be {estado} (is {Venta.objects.get(pk=venta.pk).estado})",
    )
    return Venta.objects.get(pk=venta.pk)


def tarjeta(numero: str) -> str:
    """Turn a card number into the id Stripe.js gives the checkout (localstripe's mock: createToken → card id).

    As the browser does: POST /v1/tokens with the publishable key only.
    """
    import urllib.parse
    import urllib.request

    from django.conf import settings

    cuerpo = urllib.parse.urlencode(
        {
            "card[number]": numero,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
            "key": settings.STRIPE_PUBLISHABLE_KEY,
        }
    ).encode()
    with urllib.request.urlopen(f"{settings.STRIPE_API_BASE}/v1/tokens", data=cuerpo, timeout=10) as respuesta:
        return json.loads(respuesta.read())["card"]["id"]


def crear_intento(venta: Venta, *, confirmar: bool = False) -> str:
    """Create (and optionally confirm) the order's PaymentIntent at Stripe and store it, as a task that then died."""
    from pagos.services import cobro

    cliente = stripe_cliente.cliente()
    pago = cobro._crear_intento(cliente, venta, cobro.pago_de(venta))
    if confirmar:
        cliente.v1.payment_intents.confirm(pago.payment_intent_id)
    return pago.payment_intent_id
