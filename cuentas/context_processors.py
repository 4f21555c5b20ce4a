from django.conf import settings


def cuentas(request):
    """Return the demo password (only with DEBUG on, never on a real deployment) and the lock's length."""
    return {
        "demo_password": settings.DEMO_PASSWORD if settings.DEBUG else "",
        "bloqueo_minutos": f"{settings.AXES_COOLOFF_MINUTOS:g}",
    }
