"""System checks of the project's own settings (``python manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks

# Backends that accept a message and deliver it nowhere: the email would be marked sent.
NO_ENTREGAN = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "myproject.mail.EmlFileBackend",
}
AYUDA = "Set EMAIL_URL, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.com:587 (README, Production)."


@checks.register(checks.Tags.security, deploy=True)
def correo_de_produccion(app_configs, **kwargs):
    """Refuse a production deploy whose email would be lost: none configured, or one that delivers nowhere."""
    if settings.DEBUG:
        return []
    if settings.EMAIL_BACKEND in NO_ENTREGAN:
        mensaje = f"DEBUG is off but EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which delivers no mail: "
        mensaje += "order confirmations would be marked sent and lost."
        return [checks.Error(mensaje, hint=AYUDA, id="myproject.E002")]
    if not settings.EMAIL_CONFIGURADO:
        mensaje = "DEBUG is off and no email is configured (neither EMAIL_URL nor EMAIL_HOST): "
        mensaje += f"mail would go to {settings.EMAIL_HOST}:{settings.EMAIL_PORT} and order confirmations be lost."
        return [checks.Error(mensaje, hint=AYUDA, id="myproject.E001")]
    return []
