from django.utils.functional import SimpleLazyObject

from .avisos import es_del_almacen


def almacen(request):
    """Expose ``es_almacen`` to every template (the nav's link); evaluated only where a template asks."""
    return {"es_almacen": SimpleLazyObject(lambda: es_del_almacen(request.user))}
