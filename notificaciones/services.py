"""The one way anything in the shop tells a user something."""

import logging

from django.db import transaction
from django.db.models import F

from myproject.commit import partial

from . import capa
from .models import ContadorNotificaciones, Notificacion
from .selectors import contar_no_leidas

logger = logging.getLogger(__name__)


@transaction.atomic
def notificar(*, usuario, tipo: str, titulo: str, mensaje: str = "", datos: dict | None = None) -> Notificacion:
    """Store a notification and push it to the user's open sockets once it commits.

    The row is the source of truth: a socket that is offline now gets it replayed
    on its next connect, and a page that sees a hole in the sequence asks for the
    missing rows, so a lost push loses nothing.
    """
    notificacion = Notificacion.objects.create(
        usuario=usuario,
        secuencia=_siguiente_secuencia(usuario.pk),
        tipo=tipo,
        titulo=titulo,
        mensaje=mensaje,
        datos=datos or {},
    )
    transaction.on_commit(partial(_empujar, notificacion), robust=True)
    return notificacion


def _siguiente_secuencia(usuario_id: int) -> int:
    # The UPDATE comes first: it locks the user's counter row until our commit, so a
    # second notification for the same user waits here and takes the next number
    # only once ours is visible. On PostgreSQL ids are drawn at insert and may commit
    # out of order; these numbers cannot. A rollback gives the number back.
    contador = ContadorNotificaciones.objects.filter(usuario_id=usuario_id)
    if not contador.update(ultima_secuencia=F("ultima_secuencia") + 1):
        # The user's first notification: two at once both miss the row and one create
        # wins; get_or_create takes the other's row instead of failing.
        ContadorNotificaciones.objects.get_or_create(usuario_id=usuario_id)
        contador.update(ultima_secuencia=F("ultima_secuencia") + 1)
    return contador.values_list("ultima_secuencia", flat=True).get()


def _empujar(notificacion: Notificacion) -> None:
    # The count travels with the message, so every tab shows the same badge without
    # guessing (another tab may have marked something read meanwhile).
    mensaje = {**notificacion.como_mensaje(), "no_leidas": contar_no_leidas(usuario_id=notificacion.usuario_id)}
    capa.enviar_al_grupo(notificacion.usuario_id, {"type": "notificacion.enviar", "notificacion": mensaje})


def marcar_leida(*, usuario_id: int, notificacion_id: int) -> bool:
    """Mark one of the user's own notifications read and tell all their tabs.

    Someone else's id, or an unknown one, changes nothing and returns False.
    """
    if not Notificacion.objects.filter(pk=notificacion_id, usuario_id=usuario_id, leida=False).update(leida=True):
        return False
    evento = {"type": "notificacion.leida", "id": notificacion_id, "no_leidas": contar_no_leidas(usuario_id=usuario_id)}
    transaction.on_commit(partial(capa.enviar_al_grupo, usuario_id, evento), robust=True)
    return True


def marcar_todas_leidas(*, usuario_id: int) -> int:
    """Mark every unread notification of the user read and tell all their tabs; return how many changed.

    The tabs get ``notificaciones_leidas`` with the count left (0, unless a new one
    committed meanwhile), as ``marcar_leida`` sends its own.
    """
    cambiadas = Notificacion.objects.filter(usuario_id=usuario_id, leida=False).update(leida=True)
    if cambiadas:
        evento = {"type": "notificaciones.leidas", "no_leidas": contar_no_leidas(usuario_id=usuario_id)}
        transaction.on_commit(partial(capa.enviar_al_grupo, usuario_id, evento), robust=True)
    return cambiadas
