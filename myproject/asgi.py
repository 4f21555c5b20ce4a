"""ASGI entry point: Daphne serves HTTP and the notifications WebSocket."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

# Build the HTTP app first: it sets Django up before the consumers import models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from myproject.limites import LimiteCuerpo, instalar_en_daphne  # noqa: E402
from notificaciones.hilos import pila_de_autenticacion  # noqa: E402
from notificaciones.routing import websocket_urlpatterns  # noqa: E402

# Daphne reads a whole request body before it calls the app: the limit must sit in it too.
instalar_en_daphne()

application = ProtocolTypeRouter(
    {
        "http": LimiteCuerpo(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(pila_de_autenticacion(URLRouter(websocket_urlpatterns))),
    }
)
