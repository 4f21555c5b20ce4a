"""Tasks that exist only for the tests: a worker loads them with ``--include deadletter.tests.tareas_veneno``.

The product's own workers never import this module (it is no app's ``tasks.py``).
"""

import os
import signal

from celery import shared_task


@shared_task(name="deadletter.tests.tareas_veneno.matar_su_proceso")
def matar_su_proceso(registro: str) -> None:
    """Write a line to ``registro``, then die the way the OOM killer ends a process: SIGKILL, no cleanup."""
    with open(registro, "a") as archivo:
        archivo.write(f"{os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)


@shared_task(bind=True, name="deadletter.tests.tareas_veneno.reintentar", max_retries=None)
def reintentar(self, veces: int) -> int:
    """Retry (same task id) ``veces`` times, failing with an exception each time, then return the retries."""
    if self.request.retries < veces:
        raise self.retry(exc=RuntimeError(f"fallo {self.request.retries}"), countdown=0)
    return self.request.retries
