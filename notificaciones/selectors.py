"""Reads of a user's notifications that the consumer, the services and the pages share."""

from dataclasses import dataclass

from django.db.models import Q

from .models import ContadorNotificaciones, Notificacion

# A client that was away for long gets at most this many rows replayed; the rest
# stay in the database, counted in ``no_leidas``.
MAX_REPLAY = 200


@dataclass(frozen=True)
class Pendientes:
    mensajes: list[dict]
    no_leidas: int
    # Every notification up to this sequence is in ``mensajes`` or deliberately left
    # out (read and not newer than ``despues_de``, or past MAX_REPLAY).
    secuencia: int


@dataclass(frozen=True)
class Reenvio:
    mensajes: list[dict]
    # Every notification up to this sequence is in ``mensajes`` or does not exist.
    hasta: int


def pendientes(*, usuario_id: int, despues_de: int | None = None, por_secuencia: bool = False) -> Pendientes:
    """Return what a (re)connecting socket must be sent: unread rows and rows after the
    last one it saw, oldest first, each once.

    ``despues_de`` is the last sequence the client saw, or with ``por_secuencia``
    False the last id, as clients before sequences sent it.
    """
    # Read before the rows: a row committed in between is then in the rows, never
    # below ``secuencia`` and missing.
    secuencia = ultima_secuencia(usuario_id=usuario_id)
    campo = "secuencia" if por_secuencia else "pk"
    filtro = Q(leida=False)
    if despues_de is not None:
        filtro |= Q(**{f"{campo}__gt": max(despues_de, 0)})
    filas = Notificacion.objects.filter(filtro, usuario_id=usuario_id).order_by(f"-{campo}")[:MAX_REPLAY]
    return Pendientes(
        mensajes=[_repetida(fila) for fila in reversed(filas)],
        no_leidas=contar_no_leidas(usuario_id=usuario_id),
        secuencia=secuencia,
    )


def reenvio(*, usuario_id: int, despues_de: int) -> Reenvio:
    """Return the rows after sequence ``despues_de``, oldest first, at most MAX_REPLAY:
    what a page that saw a hole in the sequence asks for."""
    ultima = ultima_secuencia(usuario_id=usuario_id)  # before the rows, as in pendientes
    despues_de = max(despues_de, 0)
    filas = list(
        Notificacion.objects.filter(usuario_id=usuario_id, secuencia__gt=despues_de).order_by("secuencia")[:MAX_REPLAY]
    )
    if len(filas) == MAX_REPLAY:
        hasta = filas[-1].secuencia  # cut short: the page asks again from here
    else:
        # Whole: up to the counter, so a deleted row's number is covered too and the
        # page stops asking for it.
        hasta = max(ultima, despues_de, filas[-1].secuencia if filas else 0)
    return Reenvio(mensajes=[_repetida(fila) for fila in filas], hasta=hasta)


def de_usuario(*, usuario_id: int):
    """Return every notification of the user, newest first (by sequence, unique per user)."""
    return Notificacion.objects.filter(usuario_id=usuario_id).order_by("-secuencia")


def contar_no_leidas(*, usuario_id: int) -> int:
    return Notificacion.objects.filter(usuario_id=usuario_id, leida=False).count()


def ultima_secuencia(*, usuario_id: int) -> int:
    """Return the sequence of the user's newest notification (0 if none): pages
    rendered now already show everything up to it."""
    return (
        ContadorNotificaciones.objects.filter(usuario_id=usuario_id).values_list("ultima_secuencia", flat=True).first()
        or 0
    )


def _repetida(fila: Notificacion) -> dict:
    return {**fila.como_mensaje(), "replay": True}
