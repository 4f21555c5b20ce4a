"""The WebSocket that pushes a user's notifications to their open pages.

Protocol (see docs/notificaciones.md): on connect the server sends
``connection_established`` and then replays, oldest first, the user's unread
notifications and any after ``?despues_de=`` (with ``protocolo=2`` the last sequence
the client saw, without it the last id); live notifications follow, each with its
per-user ``secuencia``. The client may send ``{"action": "marcar_leida",
"notificacion_id": N}``, ``{"action": "reenviar", "despues_de": S}`` (it saw a hole
in the sequence) or ``{"action": "ping"}``; anything else gets an ``error`` message
and the socket stays open.
"""

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import capa, cupos, selectors, services
from .hilos import en_hilos_propios

logger = logging.getLogger(__name__)

# Client frames larger than this are answered with an error and not parsed.
MAX_FRAME = 4096
# Close code for a socket without a logged-in user (4000-4999 are the application's).
NO_AUTENTICADO = 4401
# The protocol of clients that track the sequence (docs/notificaciones.md).
PROTOCOLO_SECUENCIA = 2
# A socket gets at most one ``reenviar`` answered per this many seconds: each reads
# up to MAX_REPLAY rows on the few database threads all the process's sockets share.
REENVIO_CADA = 1.0
# Close code for a socket over the user's WS_MAX_CONEXIONES_POR_USUARIO, sent after the
# handshake so the client can tell it apart (and back off) from a network failure.
DEMASIADAS_CONEXIONES = 4429

# On the sockets' own threads, not Channels' one per process: one slow call does not stop the rest.
pendientes = en_hilos_propios(selectors.pendientes)
reenvio = en_hilos_propios(selectors.reenvio)
marcar_leida = en_hilos_propios(services.marcar_leida)


class NotificacionesConsumer(AsyncWebsocketConsumer):
    """One per open page of a logged-in user, joined to that user's group only."""

    protocolo = 1
    _proximo_reenvio = 0.0

    async def dispatch(self, message):
        # Channels' own dispatch first runs close_old_connections on the sync thread
        # every consumer of the process shares for database_sync_to_async, so each push
        # waited behind any socket's database work; meanwhile this socket read nothing
        # from the channel layer and later pushes expired unseen. This consumer reaches
        # the database only through database_sync_to_async, which closes stale
        # connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        self._releido = False
        inicio = time.monotonic()
        await handler(message)
        # While a handler waits (on the database, say) this socket does not read the
        # channel layer, and a push older than the layer's expiry is dropped. After a
        # long wait that did not end by re-reading the rows, tell the page to check.
        espera = time.monotonic() - inicio
        if espera > _expiry(self.channel_layer) / 2 and not self._releido and self.protocolo >= PROTOCOLO_SECUENCIA:
            await self._enviar({"type": "posible_perdida"})

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
        self.grupo = capa.grupo_usuario(usuario.pk)
        # Join before reading the replay, so nothing committed in between is lost; a
        # row that is both replayed and pushed is sent once (see notificacion_enviar).
        await self.channel_layer.group_add(self.grupo, self.channel_name)
        await self.accept()
        query = _query(self.scope)
        self.protocolo = _entero(query.get("protocolo")) or 1
        por_secuencia = self.protocolo >= PROTOCOLO_SECUENCIA
        resultado = await pendientes(
            usuario_id=self.usuario_id, despues_de=_entero(query.get("despues_de")), por_secuencia=por_secuencia
        )
        self._releido = True
        self.repetidas = {mensaje["id"] for mensaje in resultado.mensajes}
        saludo = {"type": "connection_established", "usuario": usuario.get_username(), "no_leidas": resultado.no_leidas}
        if por_secuencia:
            saludo["secuencia"] = resultado.secuencia
        await self._enviar(saludo)
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
        elif accion == "reenviar":
            await self._reenviar(datos.get("despues_de"))
        elif accion == "ping":
            await self._enviar({"type": "pong"})
        else:
            await self._error(f"Acción desconocida: {str(accion)[:50]!r}.")

    async def _marcar_leida(self, notificacion_id):
        if not _es_entero(notificacion_id):
            await self._error("notificacion_id debe ser un entero.")
            return
        # Only the user's own rows are touched; the result reaches all their tabs
        # through the group (notificacion_leida below).
        await marcar_leida(usuario_id=self.usuario_id, notificacion_id=notificacion_id)

    async def _reenviar(self, despues_de):
        if not _es_entero(despues_de):
            await self._error("despues_de debe ser un entero.")
            return
        # Waiting here is safe: the rows are read after the wait, so they include
        # whatever was pushed (and maybe dropped) meanwhile.
        await asyncio.sleep(self._proximo_reenvio - time.monotonic())
        self._proximo_reenvio = time.monotonic() + REENVIO_CADA
        resultado = await reenvio(usuario_id=self.usuario_id, despues_de=despues_de)
        self._releido = True
        for mensaje in resultado.mensajes:
            await self._enviar(mensaje)
        await self._enviar({"type": "reenvio_completo", "hasta": resultado.hasta})

    # Handlers for events sent to the group; names mirror the event types.

    async def notificacion_enviar(self, evento):
        mensaje = evento["notificacion"]
        if mensaje.get("id") in self.repetidas:
            self.repetidas.discard(mensaje["id"])
            return
        await self._enviar(mensaje)

    async def notificacion_leida(self, evento):
        await self._enviar({"type": "notificacion_leida", "id": evento["id"], "no_leidas": evento["no_leidas"]})

    async def notificaciones_leidas(self, evento):
        await self._enviar({"type": "notificaciones_leidas", "no_leidas": evento["no_leidas"]})

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


def _es_entero(valor) -> bool:
    return isinstance(valor, int) and not isinstance(valor, bool)


def _expiry(layer) -> float:
    return getattr(layer, "expiry", 60)
