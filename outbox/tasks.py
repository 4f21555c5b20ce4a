"""The outbox relay, run by Beat every few seconds (migration outbox/0002_relay_periodico)."""

from celery import shared_task

from . import services


# ignore_result: it runs every few seconds and nobody reads what it returns (the worker logs it).
@shared_task(name="outbox.tasks.relay", ignore_result=True)
def relay() -> dict[str, int]:
    """Publish the outbox rows their transaction's callback could not (see services.relay)."""
    return services.relay()
