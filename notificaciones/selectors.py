"""Reads of a user's notifications that the consumer, the services and the pages share."""

from dataclasses import dataclass

from django.db.models import Q

from .models import Notificacion

# A client that was away for long gets at most this many rows replayed; the rest
# stay in the database, counted in ``no_leidas``.
MAX_REPLAY = 200


@dataclass(frozen=True)
class Pendientes:
    mensajes: list[dict]
    no_leidas: int


def pendientes(*, usuario_id: int, despues_de: int | None = None) -> Pendientes:
    """Return what a (re)connecting socket must be sent: unread rows and rows newer
    than the last id it saw, oldest first, each once."""
    filtro = Q(leida=False)
    if despues_de is not None:
        filtro |= Q(pk__gt=max(despues_de, 0))
    filas = Notificacion.objects.filter(filtro, usuario_id=usuario_id).order_by("-pk")[:MAX_REPLAY]
    return Pendientes(
        mensajes=[{**fila.como_mensaje(), "replay": True} for fila in reversed(filas)],
        no_leidas=contar_no_leidas(usuario_id=usuario_id),
    )


def contar_no_leidas(*, usuario_id: int) -> int:
    return Notificacion.objects.filter(usuario_id=usuario_id, leida=False).count()


def ultima_id(*, usuario_id: int) -> int:
    """Return the id of the user's newest notification (0 if none): pages rendered now
    already show everything up to it."""
    return Notificacion.objects.filter(usuario_id=usuario_id).order_by("-pk").values_list("pk", flat=True).first() or 0
