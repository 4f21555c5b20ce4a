"""The channel layer seen from sync code: user group names and one long-lived sender loop.

Infrastructure, not domain: ``services`` decides what to tell a user; this module
only delivers it to the group every socket of that user joined.
"""

import asyncio
import os
import threading

from channels.layers import get_channel_layer


def grupo_usuario(usuario_id: int) -> str:
    """Return the channel-layer group every socket of one user joins."""
    return f"notificaciones_usuario_{usuario_id}"


class _EnviadorDeGrupos:
    """One event loop thread per process to which sync code hands its group_sends.

    ``async_to_sync`` called from a plain thread (a Celery task, a command, a test)
    builds an event loop per call, and channels_redis a Redis connection per loop:
    several milliseconds on every notification. A loop that lives as long as the
    process keeps its connections. bench/alertas.py (a committed sale → its
    ``nueva_venta`` in the seller's socket) measured it at 1,000 connected sellers:
    p50 11 ms → 5 ms, p99 191 ms → 10 ms (docs/performance.md, "Seller alerts").
    Started lazily, and again after a fork (Celery's prefork children do not inherit
    the thread).
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


def enviar_al_grupo(usuario_id: int, evento: dict) -> None:
    """Send ``evento`` to every open socket of one user, from sync code; wait at most 5 s."""
    _enviador.enviar(grupo_usuario(usuario_id), evento)
