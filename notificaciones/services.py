"""The one way anything in the shop tells a user something."""

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Q

from myproject.commit import partial

from .models import Notificacion

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


def _enviar_al_grupo(usuario_id: int, evento: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(grupo_usuario(usuario_id), evento)


def _empujar(notificacion: Notificacion) -> None:
    _enviar_al_grupo(
        notificacion.usuario_id, {"type": "notificacion.enviar", "notificacion": notificacion.como_mensaje()}
    )


@dataclass(frozen=True)
class Pendientes:
    mensajes: list[dict]
    no_leidas: int


# A client that was away for long gets at most this many rows replayed; the rest
# stay in the database, counted in ``no_leidas``.
MAX_REPLAY = 200


def pendientes(*, usuario_id: int, despues_de: int | None = None) -> Pendientes:
    """Return what a (re)connecting socket must be sent: unread rows and rows newer
    than the last id it saw, oldest first, each once."""
    filtro = Q(leida=False)
    if despues_de is not None:
        filtro |= Q(pk__gt=despues_de)
    filas = Notificacion.objects.filter(filtro, usuario_id=usuario_id).order_by("-pk")[:MAX_REPLAY]
    return Pendientes(
        mensajes=[fila.como_mensaje() for fila in reversed(filas)],
        no_leidas=contar_no_leidas(usuario_id=usuario_id),
    )


def contar_no_leidas(*, usuario_id: int) -> int:
    return Notificacion.objects.filter(usuario_id=usuario_id, leida=False).count()


def marcar_leida(*, usuario_id: int, notificacion_id: int) -> bool:
    """Mark one of the user's own notifications read and tell all their tabs.

    Someone else's id, or an unknown one, changes nothing and returns False.
    """
    if not Notificacion.objects.filter(pk=notificacion_id, usuario_id=usuario_id, leida=False).update(leida=True):
        return False
    evento = {"type": "notificacion.leida", "id": notificacion_id, "no_leidas": contar_no_leidas(usuario_id=usuario_id)}
    transaction.on_commit(partial(_enviar_al_grupo, usuario_id, evento), robust=True)
    return True
