"""The one way anything in the shop tells a user something."""

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

from myproject.commit import partial

from .models import Notificacion
from .selectors import contar_no_leidas

logger = logging.getLogger(__name__)


def grupo_usuario(usuario_id: int) -> str:
    """Return the channel-layer group every socket of one user joins."""
    return f"notificaciones_usuario_{usuario_id}"


def notificar(*, usuario, tipo: str, titulo: str, mensaje: str = "", datos: dict | None = None) -> Notificacion:
    """Store a notification and push it to the user's open sockets once it commits.

    The row is the source of truth: a socket that is offline now gets it replayed
    on its next connect, so a lost push loses nothing.
    """
    notificacion = Notificacion.objects.create(
        usuario=usuario, tipo=tipo, titulo=titulo, mensaje=mensaje, datos=datos or {}
    )
    transaction.on_commit(partial(_empujar, notificacion), robust=True)
    return notificacion


class _EnviadorDeGrupos:
    """One event loop thread per process to which sync code hands its group_sends.

    ``async_to_sync`` called from a plain thread (a Celery task, a command, a test)
    builds an event loop per call, and channels_redis a Redis connection per loop:
    several milliseconds on every notification (bench/alertas.py). A loop that lives
    as long as the process keeps its connections. Started lazily, and again after a
    fork (Celery's prefork children do not inherit the thread).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None

    def enviar(self, grupo: str, evento: dict, timeout: float = 5) -> None:
        layer = get_channel_layer()
        if layer is not None:
            asyncio.run_coroutine_threadsafe(layer.group_send(grupo, evento), self._bucle()).result(timeout)

    def _bucle(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, name="notificaciones", daemon=True).start()
            return self._loop


_enviador = _EnviadorDeGrupos()


def _enviar_al_grupo(usuario_id: int, evento: dict) -> None:
    _enviador.enviar(grupo_usuario(usuario_id), evento)


def _empujar(notificacion: Notificacion) -> None:
    # The count travels with the message, so every tab shows the same badge without
    # guessing (another tab may have marked something read meanwhile).
    mensaje = {**notificacion.como_mensaje(), "no_leidas": contar_no_leidas(usuario_id=notificacion.usuario_id)}
    _enviar_al_grupo(notificacion.usuario_id, {"type": "notificacion.enviar", "notificacion": mensaje})


def marcar_leida(*, usuario_id: int, notificacion_id: int) -> bool:
    """Mark one of the user's own notifications read and tell all their tabs.

    Someone else's id, or an unknown one, changes nothing and returns False.
    """
    if not Notificacion.objects.filter(pk=notificacion_id, usuario_id=usuario_id, leida=False).update(leida=True):
        return False
    evento = {"type": "notificacion.leida", "id": notificacion_id, "no_leidas": contar_no_leidas(usuario_id=usuario_id)}
    transaction.on_commit(partial(_enviar_al_grupo, usuario_id, evento), robust=True)
    return True
