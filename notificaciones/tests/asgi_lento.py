"""The shop's ASGI application for the fault tests that stall a consumer or a process's sync thread.

Daphne serves it as ``notificaciones.tests.asgi_lento:application``. Three changes:
with ``EXPIRY_CAPA_PRUEBA`` set, the channel layer's expiry is that many seconds; with
``MARCAR_LEIDA_SEGUNDOS`` set, a consumer marking a notification read waits that long
first, as on a slow database; with ``REENVIO_SEGUNDOS`` set, a replay's database call
holds the thread it runs on that long; and ``RUTA`` holds for ``?segundos=`` asgiref's
one process-wide sync thread, on which Channels runs every ``database_sync_to_async``
left thread-sensitive (Django's views get a thread per request). The headers and a first
line go out at once, so a client knows the thread is taken as soon as it has them
(:class:`HiloOcupado`); the rest comes when the thread is free again.
"""

import asyncio
import copy
import os
import threading
import time
from urllib.parse import parse_qs

import requests
from asgiref.sync import sync_to_async
from django.conf import settings

from myproject.asgi import application as tienda
from notificaciones import consumers

RUTA = "/__ocupar_hilo_sync__/"

if "EXPIRY_CAPA_PRUEBA" in os.environ:
    capas = copy.deepcopy(settings.CHANNEL_LAYERS)
    capas["default"]["CONFIG"]["expiry"] = int(os.environ["EXPIRY_CAPA_PRUEBA"])  # Redis EXPIRE takes whole seconds
    settings.CHANNEL_LAYERS = capas

if "MARCAR_LEIDA_SEGUNDOS" in os.environ:
    _marcar_leida = consumers.marcar_leida

    async def _marcar_leida_lenta(**kwargs):
        await asyncio.sleep(float(os.environ["MARCAR_LEIDA_SEGUNDOS"]))
        return await _marcar_leida(**kwargs)

    consumers.marcar_leida = _marcar_leida_lenta

if "REENVIO_SEGUNDOS" in os.environ:
    _reenvio = consumers.reenvio.func  # whatever wraps it stays: the test is about that wrapper

    def _reenvio_lento(**kwargs):
        time.sleep(float(os.environ["REENVIO_SEGUNDOS"]))
        return _reenvio(**kwargs)

    consumers.reenvio.func = _reenvio_lento


async def application(scope, receive, send):
    if scope["type"] != "http" or scope["path"] != RUTA:
        return await tienda(scope, receive, send)
    segundos = float(parse_qs(scope["query_string"].decode()).get("segundos", ["1"])[0])
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    # Daphne sends the headers with the first piece of body, so send one now.
    await send({"type": "http.response.body", "body": b"ocupado\n", "more_body": True})
    # Outside Django's handler (which gives each request a thread of its own), a
    # thread-sensitive call runs on asgiref's one process-wide sync thread.
    await sync_to_async(time.sleep, thread_sensitive=True)(segundos)
    await send({"type": "http.response.body", "body": b"libre\n"})


class HiloOcupado:
    """Hold the process-wide sync thread of the Daphne at ``base`` for ``segundos``, from a background request."""

    def __init__(self, base: str, segundos: float):
        respuesta = requests.get(f"{base}{RUTA}?segundos={segundos}", stream=True, timeout=10)
        respuesta.raise_for_status()  # the headers are here: the thread is taken
        self.libre_hacia = time.monotonic() + segundos
        self._hilo = threading.Thread(target=lambda: respuesta.content)
        self._hilo.start()

    @property
    def ocupado(self) -> bool:
        return self._hilo.is_alive()

    def esperar(self) -> None:
        self._hilo.join(60)
