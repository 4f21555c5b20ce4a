"""``/health/``: is every part the shop needs up? For load balancers and ops."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app

TIMEOUT = 1.0


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis():
    cliente = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        cliente.ping()
    finally:
        cliente.close()
    return "ok"


def _broker():
    # The URL from settings (not the app's cached one), so a test or a reload sees a change.
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conexion:
        conexion.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return "ok"


def _workers():
    # A fresh connection, not one from the app's pool: after a broker restart every pooled
    # connection fails once, and each would report the workers down to the load balancer.
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conexion:
        respuestas = celery_app.control.ping(timeout=TIMEOUT, connection=conexion) or []
    if not respuestas:
        raise RuntimeError("no worker answered")
    return len(respuestas)


CHECKS = {"database": _database, "redis": _redis, "broker": _broker, "workers": _workers}


@never_cache
def health(request):
    """Return 200 with each part's state, or 503 naming the parts that failed."""
    estado, fallos = {}, []
    for nombre, check in CHECKS.items():
        if nombre == "workers" and "broker" in fallos:
            estado[nombre] = "unknown: broker down"
            fallos.append(nombre)
            continue
        try:
            estado[nombre] = check()
        except Exception as error:  # noqa: BLE001 - any failure means "down", reported by name
            estado[nombre] = f"error: {error.__class__.__name__}: {error}"[:200]
            fallos.append(nombre)
    cuerpo = {"status": "ok" if not fallos else "error", "failing": fallos, "checks": estado}
    return JsonResponse(cuerpo, status=200 if not fallos else 503)
