"""The Stripe client and the plain translations around it (no models here).

The official SDK, pointed at localstripe when ``STRIPE_API_BASE`` is set. Its own
network retries are off: the payment task owns the retry policy (a Celery retry with
backoff), so one call is one request and a request never waits longer than
``STRIPE_TIMEOUT``.
"""

from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings

# What Stripe (or the network to it) says when it is the one failing: try again later.
ERRORES_TEMPORALES = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)

_MOTIVOS = {
    "card_declined": "Tu banco rechazó la tarjeta.",
    "insufficient_funds": "La tarjeta no tiene fondos suficientes.",
    "expired_card": "La tarjeta está vencida.",
    "incorrect_cvc": "El código de seguridad de la tarjeta no es correcto.",
    "processing_error": "Hubo un error al procesar la tarjeta.",
    "payment_intent_authentication_failure": "No se completó la verificación de tu banco (3-D Secure).",
    "resource_missing": "El método de pago no es válido.",
}
MOTIVO_GENERICO = "No se pudo cobrar la tarjeta."


def cliente() -> stripe.StripeClient:
    """Return a Stripe client from the settings (a new one: cheap, and safe across forks)."""
    opciones = {}
    if settings.STRIPE_API_BASE:
        opciones["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
        **opciones,
    )


def centavos(monto: Decimal) -> int:
    """Return ``monto`` (pesos, a Decimal) as Stripe's integer amount in cents."""
    return int((monto * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def motivo(codigo: str | None) -> str:
    """Return the buyer's explanation (Spanish) for a Stripe error or decline code."""
    return _MOTIVOS.get(codigo or "", MOTIVO_GENERICO)


def motivo_de_error(error: stripe.StripeError) -> str:
    """Return the buyer's explanation of a card error or a refused request."""
    codigo = getattr(error, "decline_code", None) or error.code
    if codigo is None and error.http_status == 404:
        codigo = "resource_missing"  # localstripe gives no code: the payment method id is unknown
    return motivo(codigo)


def motivo_de_intento(intento) -> str:
    """Return the buyer's explanation of a PaymentIntent's last failure."""
    error = intento.get("last_payment_error") or {}
    return motivo(error.get("decline_code") or error.get("code"))
