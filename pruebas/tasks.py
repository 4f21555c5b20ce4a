"""Tasks that exist only for the tests (found by workers that run the test settings)."""

from celery import shared_task


@shared_task(name="pruebas.tasks.sonda")
def sonda() -> bool:
    """Do nothing and return False: a probe for queues, routes and priorities."""
    return False
