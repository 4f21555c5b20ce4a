"""The WebSocket side's database calls, on threads of their own.

Django gives each HTTP request's sync code a thread of its own; Channels does not: it
runs every consumer's ``database_sync_to_async`` on asgiref's one process-wide sync
thread. So one socket's slow call (a long replay, a wait on a lock) held up every socket
of the process: none could connect (the session's user is read there), replay or mark a
notification read until it returned. Here the consumers' calls and the user lookup run on a
small pool of their own (``WS_HILOS_BD`` threads), thread-insensitive: each call is a
self-contained read or a short transaction that needs no thread-local state but its
database connection. That connection is closed when the call ends (on PostgreSQL, given
back to the process's pool), so the threads hold none between calls: the pool adds
threads, not connections a process keeps open.
"""

from concurrent.futures import ThreadPoolExecutor

from channels.auth import AuthMiddleware, get_user
from channels.db import DatabaseSyncToAsync
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.db import connections

_hilos = ThreadPoolExecutor(max_workers=settings.WS_HILOS_BD, thread_name_prefix="ws-bd")


class _SinConexionRetenida(DatabaseSyncToAsync):
    """``database_sync_to_async`` that closes the thread's connections after every call."""

    def thread_handler(self, loop, *args, **kwargs):
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            connections.close_all()


def en_hilos_propios(funcion) -> DatabaseSyncToAsync:
    """Wrap the sync ``funcion`` as ``database_sync_to_async`` does, on the sockets' own threads."""
    return _SinConexionRetenida(funcion, thread_sensitive=False, executor=_hilos)


# Channels' get_user, unwrapped from its thread-sensitive wrapper.
_usuario = en_hilos_propios(get_user.__wrapped__)


class AutenticacionEnHilosPropios(AuthMiddleware):
    """Channels' AuthMiddleware, reading the session's user on the sockets' own threads."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _usuario(scope)


def pila_de_autenticacion(inner):
    """``channels.auth.AuthMiddlewareStack`` with the user lookup on the sockets' own threads."""
    return CookieMiddleware(SessionMiddleware(AutenticacionEnHilosPropios(inner)))
