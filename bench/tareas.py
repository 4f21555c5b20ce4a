"""Tasks that exist only for benchmarks (loaded into a worker with ``-I bench.tareas``)."""

from celery import shared_task


@shared_task(name="bench.tareas.nada")
def nada(i: int) -> int:
    """Do nothing: the ceiling of what a worker can run per second with our settings."""
    return i
