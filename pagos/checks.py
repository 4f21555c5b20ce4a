"""Deploy checks of the payment settings (``python manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks

AYUDA = "Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, and STRIPE_API_BASE= (empty)."


@checks.register(checks.Tags.security, deploy=True)
def stripe_de_produccion(app_configs, **kwargs):
    """Refuse a production deploy that would charge nobody: a fake Stripe server, or no keys."""
    if settings.DEBUG:
        return []
    errores = []
    if settings.STRIPE_API_BASE:
        mensaje = f"DEBUG is off but STRIPE_API_BASE is {settings.STRIPE_API_BASE}: payments would go to a fake Stripe."
        errores.append(checks.Error(mensaje, hint=AYUDA, id="pagos.E001"))
    faltan = [
        nombre
        for nombre in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
        if not getattr(settings, nombre)
    ]
    if faltan:
        mensaje = f"DEBUG is off and {', '.join(faltan)} unset: no order could be paid or confirmed."
        errores.append(checks.Error(mensaje, hint=AYUDA, id="pagos.E002"))
    return errores
