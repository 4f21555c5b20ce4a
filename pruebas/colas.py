"""The Celery side of the harness: the queues, an app on another broker, pinging workers and
letting one go quiet. Used by :mod:`pruebas.procesos` (which re-exports ``ping`` and
``app_de_celery`` for the tests) and by the plugin.

Nothing from the myproject package at import, as in :mod:`pruebas.procesos`.
"""

import time

from django.conf import settings


def todas_las_colas() -> str:
    """Return every queue of the settings, as a worker's ``-Q`` takes them."""
    return ",".join(settings.CELERY_QUEUE_NAMES)


def app_de_celery(broker_url: str):
    """Return a Celery app configured like the project's but on another broker (e.g. RabbitMQ).

    The project's app read CELERY_BROKER_URL at import; this one sends tasks (by name,
    with the same routes), controls workers and reads results (same backend) there.
    Close it when done.
    """
    from celery import Celery

    otra = Celery("myproject", set_as_current=False)
    otra.config_from_object("django.conf:settings", namespace="CELERY")
    otra.conf.broker_url = broker_url
    return otra


def ping(control=None, destino: list[str] | None = None, timeout: float = 0.5) -> list[dict]:
    """Return the replies of the workers (``destino``, or all) to a ping.

    Over a fresh connection, not one from the app's pool: after a fault test restarted
    the broker, every pooled connection of this process fails once.
    """
    if control is None:
        from myproject.celery import app as control
    with control.connection_for_write() as conexion:
        return control.control.ping(destination=destino, timeout=timeout, connection=conexion) or []


def esperar_reposo(nodo: str, timeout: float = 30) -> bool:
    """Let the worker ``nodo`` finish what it is running and drop what it has not started.

    The queues are purged, the tasks it holds for later (prefetched, or with a countdown)
    revoked, and its running tasks waited for, until one round finds nothing. Return
    False if it was still busy (or had not answered) after ``timeout`` seconds.
    Over a fresh connection, as :func:`ping`.
    """
    from myproject.celery import app

    fin = time.monotonic() + timeout
    with app.connection_for_write() as conexion:
        inspeccion = app.control.inspect(destination=[nodo], limit=1, timeout=1.0, connection=conexion)
        while time.monotonic() < fin:
            purgadas = app.control.purge(connection=conexion)
            retenidas = [t["id"] for t in (inspeccion.reserved() or {}).get(nodo, [])]
            retenidas += [t["request"]["id"] for t in (inspeccion.scheduled() or {}).get(nodo, [])]
            if retenidas:
                app.control.revoke(retenidas, destination=[nodo], connection=conexion)
            activas = (inspeccion.active() or {}).get(nodo)  # None: no answer yet (busy), ask again
            if activas == [] and not (purgadas or retenidas):
                return True
            time.sleep(0.05)
    return False
