from django.utils.functional import SimpleLazyObject

from . import selectors


def notificaciones(request):
    """Expose the unread count for the nav badge; evaluated only where a template asks."""
    usuario = getattr(request, "user", None)

    def no_leidas() -> int:
        return selectors.contar_no_leidas(usuario_id=usuario.pk) if usuario and usuario.is_authenticated else 0

    return {"notificaciones_no_leidas": SimpleLazyObject(no_leidas)}
