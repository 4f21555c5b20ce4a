from functools import wraps

from allauth.core.ratelimit import consume_or_429


def limitar_por_ip(vista, *, accion: str = "login"):
    """Wrap a login view so its POSTs count against allauth's per-IP ``accion`` limit (429 past it).

    For the admin's login, which is Django's own view: django-axes already locks a
    username + IP there; this adds the per-IP ceiling the shop's login has.
    """

    @wraps(vista)
    def limitada(request, *args, **kwargs):
        if request.method == "POST" and (respuesta := consume_or_429(request, action=accion)):
            return respuesta
        return vista(request, *args, **kwargs)

    return limitada
