from functools import wraps

# allauth's internal module: its consume() returns the usage, which a successful login gives
# back (as allauth's own login does); the public one only says yes or no. Pinned version.
from allauth.core.internal import ratelimit
from django.contrib.sites.shortcuts import get_current_site


def limitar_login_admin(vista):
    """Put allauth's limits of the shop's login on the admin's (Django's own view): 429 past them.

    django-axes already locks a username + IP there (it hooks ``authenticate()``). This
    adds the rest the shop's login has: every attempt per IP (``login``), and failed
    ones per IP and per username from any IP (``login_failed``, the same counter as the
    shop's, so failures on one count on the other). A login that succeeds gives its
    failed-attempt slot back.
    """

    @wraps(vista)
    def limitada(request, *args, **kwargs):
        if request.method != "POST":
            return vista(request, *args, **kwargs)
        if respuesta := ratelimit.consume_or_429(request, app="allauth.account", action="login"):
            return respuesta
        # allauth's key for the username's counter (DefaultAccountAdapter._get_login_attempts_cache_key).
        clave = f"{get_current_site(request).domain}:{request.POST.get('username', '').lower()}"
        uso = ratelimit.consume(request, app="allauth.account", action="login_failed", key=clave)
        if not uso:
            return ratelimit.respond_429(request)
        respuesta = vista(request, *args, **kwargs)
        if respuesta.status_code == 302 and request.user.is_authenticated:
            uso.rollback()
        return respuesta

    return limitada
