"""Charge an order through one Stripe PaymentIntent, at most once, whatever happens to the task.

The steps, each safe to repeat: (1) a ``Pago`` row for the order; (2) create the
PaymentIntent (not confirmed, so it cannot charge yet) and store its id with a
conditional update on the row having none; (3) retrieve the stored one and confirm it
only if Stripe says it still waits for confirmation; (4) settle the order by what Stripe
says. A run killed anywhere goes on from what is stored: a PaymentIntent created but
never stored was never confirmed (and with real Stripe the idempotency key gives the
retry the same one); one stored is found and never created again; one confirmed is
never confirmed again (Stripe refuses a second confirmation; we read the result).
"""

import logging

import stripe
from django.db import transaction

from .. import stripe_cliente
from ..models import Pago

logger = logging.getLogger(__name__)

NOTA_REINTENTO = "No pudimos contactar al procesador de pagos; reintentamos."
NOTA_VERIFICACION = "Tu banco pide que confirmes el pago (3-D Secure). Usa el botón «Verificar pago»."
NOTA_PROCESANDO = "El procesador de pagos está procesando el cobro."


class StripeNoDisponible(Exception):
    """Stripe (or the network to it) failed for now; the order waits and the task tries again."""


def _ventas():
    # Imported here: ventas' checkout imports the outbox, and its services may import ours.
    from ventas import services

    return services


def _venta_pendiente(venta_id: int):
    from ventas.models import Venta

    return Venta.objects.filter(pk=venta_id, estado=Venta.Estado.PENDIENTE_PAGO).first()


def pago_de(venta) -> Pago:
    """Return the order's ``Pago`` row, creating it (amount in cents, currency) the first time."""
    pago, _ = Pago.objects.get_or_create(
        venta_id=venta.pk,
        defaults={"monto_centavos": stripe_cliente.centavos(venta.total), "moneda": _moneda()},
    )
    return pago


def _moneda() -> str:
    from django.conf import settings

    return settings.PAGO_MONEDA


def cobrar(*, venta_id: int) -> str:
    """Charge order ``venta_id`` once; return what happened ("pagada", "rechazada", "requiere_accion"...).

    Raise :class:`StripeNoDisponible` when Stripe could not be reached or failed (the
    buyer's page says so); the caller retries later and this picks up where it stopped.
    """
    venta = _venta_pendiente(venta_id)
    if venta is None:
        return "resuelta"
    pago = pago_de(venta)
    if pago.cerrado:
        return "cerrado"
    cliente = stripe_cliente.cliente()
    try:
        if not pago.payment_intent_id:
            try:
                pago = _crear_intento(cliente, venta, pago)
            except stripe.InvalidRequestError as error:
                # Stripe refused the request itself (an unknown payment method id): no
                # PaymentIntent exists and trying again cannot help.
                logger.warning("Stripe rechazó crear el cobro de la venta %s: %s", venta_id, error)
                return _rechazar(pago, stripe_cliente.motivo_de_error(error))
            if pago is None:
                return "cerrado"
        intento = _como_dict(cliente.v1.payment_intents.retrieve(pago.payment_intent_id))
        if intento["status"] == "requires_confirmation":
            if _venta_pendiente(venta_id) is None:
                return "resuelta"  # settled meanwhile (a webhook, the reconciliation): never confirm
            intento = _confirmar(cliente, venta_id, pago)
            if intento is None:
                return "rechazada"
        return asentar(pago, intento)
    except (*stripe_cliente.ERRORES_TEMPORALES, stripe.AuthenticationError, stripe.PermissionError) as error:
        logger.warning("Stripe no respondió al cobrar la venta %s: %r", venta_id, error)
        _ventas().anotar_pago(venta_id=venta_id, nota=NOTA_REINTENTO)
        raise StripeNoDisponible(str(error)) from error


def _crear_intento(cliente: stripe.StripeClient, venta, pago: Pago) -> Pago | None:
    """Create the order's PaymentIntent and store its id; return the row, or None if the payment was closed.

    Only what localstripe and Stripe both accept is sent. If another run stored its
    PaymentIntent first, ours (never confirmed) is cancelled, so it can never charge.
    """
    intento = cliente.v1.payment_intents.create(
        params={
            "amount": pago.monto_centavos,
            "currency": pago.moneda,
            "metadata": {"venta_id": str(venta.pk)},
            "payment_method": venta.metodo_pago,
            "payment_method_types": ["card"],
        },
        options={"idempotency_key": f"venta-{venta.pk}-cobro"},
    )
    guardado = Pago.objects.filter(pk=pago.pk, payment_intent_id="", cerrado=False).update(
        payment_intent_id=intento.id, estado_stripe=intento.status
    )
    pago.refresh_from_db()
    if not guardado and pago.payment_intent_id != intento.id:
        logger.info(
            "Venta %s: otro intento guardó %s primero; se cancela %s", venta.pk, pago.payment_intent_id, intento.id
        )
        cancelar_sin_error(cliente, intento.id)
    return None if pago.cerrado else pago


def _confirmar(cliente: stripe.StripeClient, venta_id: int, pago: Pago) -> dict | None:
    """Confirm the stored PaymentIntent; return it, or None when the card was declined (order rejected)."""
    try:
        return _como_dict(
            cliente.v1.payment_intents.confirm(
                pago.payment_intent_id, options={"idempotency_key": f"venta-{venta_id}-confirmacion"}
            )
        )
    except stripe.CardError as error:
        _rechazar(pago, stripe_cliente.motivo_de_error(error), estado="requires_payment_method")
        return None
    except stripe.InvalidRequestError:
        # Confirmed (or cancelled) by another run in between: Stripe says where it is now.
        return _como_dict(cliente.v1.payment_intents.retrieve(pago.payment_intent_id))


def cancelar_sin_error(cliente: stripe.StripeClient, payment_intent_id: str) -> bool:
    """Cancel a PaymentIntent nobody will confirm; return False if Stripe refused (it is already final)."""
    try:
        cliente.v1.payment_intents.cancel(payment_intent_id)
    except stripe.InvalidRequestError:
        return False
    return True


def asentar(pago: Pago, intento: dict) -> str:
    """Settle the order of ``pago`` by its PaymentIntent (a dict, as Stripe returns it); return the outcome.

    Paid → ``marcar_pagada``; declined → ``marcar_rechazada`` with the reason; waiting
    for the buyer's bank (3-D Secure) → the client secret is kept for their page and
    they are told. Cancelled and in-flight states change nothing here: the
    reconciliation owns cancelled PaymentIntents, and Stripe reports in-flight ones later.
    """
    estado = intento["status"]
    requiere_accion = estado == "requires_action"
    Pago.objects.filter(pk=pago.pk).update(
        estado_stripe=estado, client_secret=intento.get("client_secret", "") if requiere_accion else ""
    )
    ventas = _ventas()
    if estado == "succeeded":
        ventas.marcar_pagada(venta_id=pago.venta_id, referencia=intento["id"])
        return "pagada"
    if estado == "requires_payment_method":
        ventas.marcar_rechazada(venta_id=pago.venta_id, motivo=stripe_cliente.motivo_de_intento(intento))
        return "rechazada"
    if requiere_accion:
        ventas.anotar_pago(venta_id=pago.venta_id, nota=NOTA_VERIFICACION)
        return "requiere_accion"
    if estado == "processing":
        ventas.anotar_pago(venta_id=pago.venta_id, nota=NOTA_PROCESANDO)
    return estado


def _rechazar(pago: Pago, motivo: str, *, estado: str = "") -> str:
    with transaction.atomic():
        if estado:
            Pago.objects.filter(pk=pago.pk).update(estado_stripe=estado, client_secret="")
        _ventas().marcar_rechazada(venta_id=pago.venta_id, motivo=motivo)
    return "rechazada"


def _como_dict(objeto) -> dict:
    """Return a Stripe object as a plain dict (a webhook's payload already is one)."""
    return objeto.to_dict() if hasattr(objeto, "to_dict") else objeto
