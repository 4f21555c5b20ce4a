"""The WebSocket that pushes a user's notifications to their open pages.

Protocol (see docs/notificaciones.md): on connect the server sends
``connection_established`` and then replays, oldest first, the user's unread
notifications and any newer than ``?despues_de=<last id the client saw>``; live
notifications follow. The client may send ``{"action": "marcar_leida",
"notificacion_id": N}`` or ``{"action": "ping"}``; anything else gets an ``error``
message and the socket stays open.
"""

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import cupos, services

logger = logging.getLogger(__name__)

# Client frames larger than this are answered with an error and not parsed.
MAX_FRAME = 4096
# Close code for a socket without a logged-in user (4000-4999 are the application's).
NO_AUTENTICADO = 4401
# Close code for a socket over the user's WS_MAX_CONEXIONES_POR_USUARIO, sent after the
# handshake so the client can tell it apart (and back off) from a network failure.
DEMASIADAS_CONEXIONES = 4429

pendientes = database_sync_to_async(services.pendientes)
marcar_leida = database_sync_to_async(services.marcar_leida)


class NotificacionesConsumer(AsyncWebsocketConsumer):
    """One per open page of a logged-in user, joined to that user's group only."""

    async def connect(self):
        usuario = self.scope.get("user")
        if usuario is None or not usuario.is_authenticated:
            await self.close(code=NO_AUTENTICADO)
            return
        self.usuario_id = usuario.pk
        if not await cupos.reservar(usuario_id=usuario.pk, canal=self.channel_name):
            logger.info("user %s over %s sockets: refused", usuario.pk, settings.WS_MAX_CONEXIONES_POR_USUARIO)
            await self.accept()
            await self.close(code=DEMASIADAS_CONEXIONES)
            return
        self.cupo = asyncio.create_task(cupos.mantener(usuario_id=usuario.pk, canal=self.channel_name))
        try:
            await self._abrir(usuario)
        except BaseException:
            await self._liberar_cupo()  # no disconnect follows a connect that raised
            raise

    async def _abrir(self, usuario):
        # The group name comes from the authenticated user only, never from the client.
        self.grupo = services.grupo_usuario(usuario.pk)
        # Join before reading the replay, so nothing committed in between is lost; a
        # row that is both replayed and pushed is sent once (see notificacion_enviar).
        await self.channel_layer.group_add(self.grupo, self.channel_name)
        await self.accept()
        resultado = await pendientes(
            usuario_id=self.usuario_id, despues_de=_entero(_query(self.scope).get("despues_de"))
        )
        self.repetidas = {mensaje["id"] for mensaje in resultado.mensajes}
        await self._enviar(
            {"type": "connection_established", "usuario": usuario.get_username(), "no_leidas": resultado.no_leidas}
        )
        for mensaje in resultado.mensajes:
            await self._enviar(mensaje)

    async def disconnect(self, code):
        await self._liberar_cupo()
        if hasattr(self, "grupo"):
            await self.channel_layer.group_discard(self.grupo, self.channel_name)

    async def _liberar_cupo(self):
        if cupo := getattr(self, "cupo", None):
            del self.cupo
            cupo.cancel()
            await cupos.liberar(usuario_id=self.usuario_id, canal=self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data) > MAX_FRAME or len(text_data.encode()) > MAX_FRAME:
            await self._error("Mensaje no válido: se espera JSON de texto de hasta 4 KB.")
            return
        try:
            datos = json.loads(text_data)
        except ValueError:
            await self._error("Mensaje no válido: no es JSON.")
            return
        if not isinstance(datos, dict):
            await self._error("Mensaje no válido: se espera un objeto JSON.")
            return
        accion = datos.get("action")
        if accion == "marcar_leida":
            await self._marcar_leida(datos.get("notificacion_id"))
        elif accion == "ping":
            await self._enviar({"type": "pong"})
        else:
            await self._error(f"Acción desconocida: {str(accion)[:50]!r}.")

    async def _marcar_leida(self, notificacion_id):
        if not isinstance(notificacion_id, int) or isinstance(notificacion_id, bool):
            await self._error("notificacion_id debe ser un entero.")
            return
        # Only the user's own rows are touched; the result reaches all their tabs
        # through the group (notificacion_leida below).
        await marcar_leida(usuario_id=self.usuario_id, notificacion_id=notificacion_id)

    # Handlers for events sent to the group; names mirror the event types.

    async def notificacion_enviar(self, evento):
        mensaje = evento["notificacion"]
        if mensaje.get("id") in self.repetidas:
            self.repetidas.discard(mensaje["id"])
            return
        await self._enviar(mensaje)

    async def notificacion_leida(self, evento):
        await self._enviar({"type": "notificacion_leida", "id": evento["id"], "no_leidas": evento["no_leidas"]})

    async def _error(self, mensaje):
        await self._enviar({"type": "error", "mensaje": mensaje})

    async def _enviar(self, datos):
        await self.send(text_data=json.dumps(datos, ensure_ascii=False))


def _query(scope) -> dict:
    return {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}


def _entero(valor) -> int | None:
    try:
        return int(valor)
    except (TypeError, ValueError):
        return None
