"""The shop's ASGI application for the fault tests that stall a consumer.

Daphne serves it as ``notificaciones.tests.asgi_lento:application``. Two changes:
with ``EXPIRY_CAPA_PRUEBA`` set, the channel layer's expiry is that many seconds; and
``RUTA`` holds for ``?segundos=`` the sync thread that every consumer's
``database_sync_to_async`` shares (Django's sync views get a thread per request), as
another socket's slow database work does under load. The headers and a first line go out at once, so a client knows the
thread is taken as soon as it has them; the rest comes when the thread is free again.
"""

import copy
import os
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from myproject.asgi import application as tienda

RUTA = "/__ocupar_hilo_sync__/"

if "EXPIRY_CAPA_PRUEBA" in os.environ:
    capas = copy.deepcopy(settings.CHANNEL_LAYERS)
    capas["default"]["CONFIG"]["expiry"] = int(os.environ["EXPIRY_CAPA_PRUEBA"])  # Redis EXPIRE takes whole seconds
    settings.CHANNEL_LAYERS = capas


async def application(scope, receive, send):
    if scope["type"] != "http" or scope["path"] != RUTA:
        return await tienda(scope, receive, send)
    segundos = float(parse_qs(scope["query_string"].decode()).get("segundos", ["1"])[0])
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    # Daphne sends the headers with the first piece of body, so send one now.
    await send({"type": "http.response.body", "body": b"ocupado\n", "more_body": True})
    await database_sync_to_async(time.sleep)(segundos)
    await send({"type": "http.response.body", "body": b"libre\n"})
