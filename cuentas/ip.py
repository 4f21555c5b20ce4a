"""The client's IP address, the same for allauth's rate limits and django-axes' lockouts."""

from django.conf import settings
from django.http import HttpRequest


def ip_del_cliente(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the X-Forwarded-For entry our own proxies vouch for.

    Each of the ``PROXIES_DE_CONFIANZA`` proxies in front appends the address it saw, so
    the client is that many entries from the right; anything further left came from the
    client and may be forged. A header shorter than that means a request that bypassed
    the proxies: its REMOTE_ADDR is used.
    """
    proxies = settings.PROXIES_DE_CONFIANZA
    remota = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remota
    saltos = [s.strip() for s in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if s.strip()]
    return saltos[-proxies] if len(saltos) >= proxies else remota
