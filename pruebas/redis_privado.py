"""The test session's own redis-server, for the fault tests that stop and restart it."""

import subprocess

import kombu.exceptions
import redis

from .colas import ping
from .procesos import SESION, detener, esperar


class RedisPrivado:
    """The test session's own redis-server, stopped and started again by fault tests."""

    def __init__(self, proceso: subprocess.Popen, puerto: int):
        self.proceso, self.port = proceso, puerto

    @classmethod
    def de_la_sesion(cls, url: str) -> "RedisPrivado | None":
        """Return the session's Redis serving ``url``, or None when the session did not start it."""
        from urllib.parse import urlsplit

        puerto = urlsplit(url).port
        for proceso in SESION.vivos():
            if "redis-server" in str(proceso.args[0]) and str(puerto) in proceso.args:
                return cls(proceso, puerto)
        return None

    def detener(self) -> None:
        detener(self.proceso)

    def arrancar(self) -> None:
        """Start a new, empty Redis on the same port, as a server without persistence
        comes back; then wait until a running session worker answers on it again.

        This process keeps its pooled connections to the old server, as a web process
        would: the project's code must cope, and the harness pings over fresh ones.
        """
        self.proceso = SESION.arrancar_redis(self.port)
        esperar(self._sin_workers_o_responden, timeout=60, mensaje="the worker to reconnect to Redis")

    @staticmethod
    def _sin_workers_o_responden() -> bool:
        # A worker kombu gave up on exits instead; the celery_worker fixture starts another.
        if not any("worker" in proceso.args for proceso in SESION.vivos()):
            return True
        try:
            return bool(ping())
        except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
            return False
