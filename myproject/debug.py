"""The debug page and error reports without the credentials inside URL-valued settings.

Django's filter hides settings whose *name* looks secret (``SECRET_KEY``, ``*PASSWORD``,
``FLOWER_BASIC_AUTH``), not a password inside a value: ``CELERY_BROKER_URL``,
``REDIS_URL``, ``CELERY_RESULT_BACKEND`` and the Redis address inside ``CHANNEL_LAYERS``
are URLs that carry theirs. :class:`FiltroDeCredenciales` also blanks the password part
of any URL in a setting, in ``request.META`` (where WSGI servers put the environment)
and in a traceback's local variables. ``DEFAULT_EXCEPTION_REPORTER_FILTER`` points here.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

# scheme://user:password@  or  scheme://token@  (Redis reads a lone user as the password).
_URL_CON_CREDENCIALES = re.compile(
    r"(?P<esquema>\b[a-z][a-z0-9+.\-]*://)(?P<usuario>[^:/@\s]*)(?::(?P<clave>[^@/\s]*))?@", re.I
)


class FiltroDeCredenciales(SafeExceptionReporterFilter):
    """Django's filter, plus: the password of every URL it shows is replaced with stars."""

    def _sin_claves(self, texto: str) -> str:
        def tapar(url):
            if url["clave"] is not None:
                return f"{url['esquema']}{url['usuario']}:{self.cleansed_substitute}@"
            if url["usuario"]:
                return f"{url['esquema']}{self.cleansed_substitute}@"
            return url[0]

        return _URL_CON_CREDENCIALES.sub(tapar, texto)

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        return self._sin_claves(value) if isinstance(value, str) else value

    def cleanse_special_types(self, request, value):
        value = super().cleanse_special_types(request, value)
        return self._sin_claves(value) if isinstance(value, str) else value
