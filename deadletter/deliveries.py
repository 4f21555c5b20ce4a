"""Count, in Redis, the runs of each task message that never ended: the runs its worker died in.

With ``acks_late`` and ``reject_on_worker_lost`` the broker hands a message back when
the process running it dies, so a message that kills it (a file that crashes Pillow,
a task that runs out of memory) would come back forever. ``myproject.celery.Tarea``
calls ``start`` before the task body and ``end`` after it, however the body ended
(a value, an exception, a retry); a killed process never gets to ``end``, so the count
grows only by deaths. ``self.retry`` keeps the task id but ends the run first, so a
retry is never counted as a death.

The count lives in Redis (``REDIS_URL``, also when RabbitMQ is the broker), not in a
message header: a message the broker hands back is the same message, unchanged. With
Redis unreachable the task runs uncounted: losing the guard must not stop the work.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Longer than any wait between two deliveries of a message whose worker died: none on
# RabbitMQ, or on Redis after a pool child died; the visibility timeout when a whole
# worker died. The count of a run killed for its time limit (not handed back) expires.
TTL = 24 * 60 * 60

_client: redis.Redis | None = None


@dataclass(frozen=True)
class Deliveries:
    """The runs of a task message that started and did not end, this one included, and when the first started."""

    count: int
    first: datetime


def _key(task_id: str) -> str:
    return f"deadletter:deliveries:{task_id}"


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        # Bounded like the broker's timeouts: a Redis that hangs must not hold the task.
        timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    return _client


def start(task_id: str) -> Deliveries | None:
    """Count one more run of ``task_id``; return the runs that did not end, or None if Redis is unreachable."""
    key = _key(task_id)
    try:
        with _redis().pipeline() as pipe:
            pipe.hincrby(key, "count", 1)
            pipe.hsetnx(key, "first", datetime.now(UTC).isoformat())
            pipe.hget(key, "first")
            pipe.expire(key, TTL)
            count, _, first, _ = pipe.execute()
    except redis.RedisError:
        logger.warning("No se pudo contar la entrega de la tarea %s; se ejecuta sin contar", task_id, exc_info=True)
        return None
    return Deliveries(count=int(count), first=datetime.fromisoformat(first.decode()))


def end(task_id: str) -> None:
    """Forget the count of ``task_id``: this run ended, so the message does not (always) kill its worker."""
    try:
        _redis().delete(_key(task_id))
    except redis.RedisError:
        # The count expires on its own; until then a redelivery of this id counts higher.
        logger.warning("No se pudo borrar la cuenta de entregas de la tarea %s", task_id, exc_info=True)


def forget(task_id: str) -> None:
    """Reset the count of ``task_id`` before it is sent again by hand; raise if Redis is unreachable."""
    _redis().delete(_key(task_id))
