"""What the payment templates need: Stripe.js's address, the publishable key, the order's payment."""

from django import template
from django.conf import settings

from .. import selectors

register = template.Library()


@register.simple_tag
def stripe_js_url() -> str:
    """Return where the browser loads Stripe.js: Stripe's, or localstripe's mock in development."""
    return settings.STRIPE_JS_URL


@register.simple_tag
def stripe_clave_publica() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


@register.simple_tag(takes_context=True)
def resumen_pago(context, venta) -> dict:
    """Return ``pagos.selectors.resumen_pago`` for the page's user (the client secret for the buyer only)."""
    request = context.get("request")
    return selectors.resumen_pago(venta, getattr(request, "user", None))
