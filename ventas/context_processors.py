from django.utils.functional import SimpleLazyObject

from . import selectors


def tienda(request):
    """Expose ``es_vendedor`` to every template; evaluated only where a template asks."""
    return {"es_vendedor": SimpleLazyObject(lambda: selectors.es_vendedor(request.user))}
