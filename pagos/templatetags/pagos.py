"""What the payment templates need: Stripe.js's address, the publishable key, the order's payment."""

from django import template
from django.conf import settings

from .. import selectors
from ..middleware import MARCA

register = template.Library()


@register.simple_tag(takes_context=True)
def stripe_js_url(context) -> str:
    """Return where the browser loads Stripe.js (Stripe's, or localstripe's mock in development).

    The page's Content-Security-Policy then allows Stripe's origins (pagos.middleware).
    """
    if (request := context.get("request")) is not None:
        setattr(request, MARCA, True)
    return settings.STRIPE_JS_URL


@register.simple_tag
def stripe_clave_publica() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


@register.simple_tag(takes_context=True)
def resumen_pago(context, venta) -> dict:
    """Return ``pagos.selectors.resumen_pago`` for the page's user (the client secret for the buyer only)."""
    request = context.get("request")
    return selectors.resumen_pago(venta, getattr(request, "user", None))
