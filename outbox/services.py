"""Write tasks to the outbox in the caller's transaction, publish them after commit, relay the rest.

Promised: every row that commits is published at least once — by its transaction's
on-commit callback, or else by the relay within a few seconds of the broker being
reachable again — and never while another live publisher holds it. A publisher that
dies after publishing but before recording it makes the relay publish it again, so the
tasks sent through here must be idempotent (every task of the shop is).
"""

import logging
import uuid
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from myproject.celery import app
from myproject.commit import partial

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# What ``enqueue`` passes on to send_task; the queue otherwise comes from CELERY_TASK_ROUTES.
OPTIONS = frozenset({"queue", "priority", "countdown", "expires", "time_limit", "soft_time_limit"})
# Sent rows are kept this many at a time for the admin, then deleted by the relay.
_PURGE_BATCH = 1000


class OutsideTransaction(RuntimeError):
    """``enqueue`` was called outside a transaction, where its row could not commit with its state."""


def enqueue(task: str | Task, *, args=(), kwargs: dict | None = None, **options) -> OutboxMessage:
    """Write ``task`` (a name, or a task object) to be published once the current transaction commits.

    Call it inside the ``transaction.atomic`` block that writes the state the task is
    about: the row commits or rolls back with that state. All rows of one transaction
    are published by one on-commit callback over one broker connection, and the relay
    publishes what that callback could not. ``args`` and ``kwargs`` must be JSON;
    ``options`` are send_task's, deadlined to ``OPTIONS``. Return the row.
    """
    if unknown := set(options) - OPTIONS:
        raise TypeError(f"outbox.enqueue(): unknown publish options {sorted(unknown)}")
    return _write(getattr(task, "name", task), list(args), kwargs or {}, options)


def enqueue_again(task_name: str, *, args: list, kwargs: dict, options: dict) -> OutboxMessage:
    """Write a message Celery delivered once, to be published again as it was sent.

    For an operator's re-send of a held message (``deadletter``): ``options`` are the
    message's own, as ``Task.signature_from_request`` gave them — its task id, chain and
    route — so the task runs under its first id and goes on with what it carried. The
    same rule as ``enqueue``: inside the transaction of the state it belongs to.
    """
    options = {k: v for k, v in options.items() if k not in _SET_BY_PUBLISH}
    return _write(task_name, list(args), kwargs, options, task_id=options.pop("task_id"))


# What ``_publish`` sets itself on every send.
_SET_BY_PUBLISH = frozenset({"add_to_parent", "producer"})


def _write(task_name: str, args: list, kwargs: dict, options: dict, **fields) -> OutboxMessage:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise OutsideTransaction("outbox.enqueue() belongs inside the transaction that writes the task's state")
    now = timezone.now()
    return OutboxMessage.objects.create(
        task_name=task_name,
        args=args,
        kwargs=kwargs,
        options=options,
        next_attempt_at=now,
        # Held by this transaction's own callback; the relay takes it over if that never runs.
        claim_token=_transaction_token(connection),
        claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        **fields,
    )


def _transaction_token(connection) -> uuid.UUID:
    """Return the claim token of the current transaction's rows, registering its one publish callback."""
    callback = getattr(connection, "_outbox_callback", None)
    # A callback leaves the list when it runs, and when the block that registered it rolls
    # back; either way this transaction needs its own.
    if callback is None or not any(func is callback for _, func, _ in connection.run_on_commit):
        callback = partial(publish_committed, uuid.uuid4())
        connection._outbox_callback = callback
        transaction.on_commit(callback, robust=True)
    return callback.args[0]


def publish_committed(token: uuid.UUID) -> dict[str, int]:
    """Publish the rows one transaction wrote: its on-commit callback. Return what ``_publish`` does.

    The rows are read back rather than remembered, so a row whose savepoint rolled back
    is not published.
    """
    return _publish(list(OutboxMessage.objects.filter(claim_token=token, sent_at__isnull=True).order_by("pk")), token)


def relay(*, now=None) -> dict[str, int]:
    """Publish the rows that are due and held by nobody alive; return how many were sent and failed.

    Run by Beat every few seconds (``outbox.tasks.relay``). It claims batches of
    ``OUTBOX_BATCH_SIZE`` until nothing is due, the broker is unreachable or one claim's
    lease has passed (the next run goes on), then deletes rows sent more than
    ``OUTBOX_KEEP_SENT_DAYS`` ago. ``now`` lets a test move the clock.
    """
    totals = {"sent": 0, "failed": 0}
    until = timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    while timezone.now() < until:
        token, messages = _claim_due(now or timezone.now())
        if not messages:
            break
        result = _publish(messages, token, now=now)
        totals["sent"] += result["sent"]
        totals["failed"] += result["failed"]
        if result["broker_down"] or len(messages) < settings.OUTBOX_BATCH_SIZE:
            break
    _purge_sent(now or timezone.now())
    return totals


def retry(*, ids) -> int:
    """Give the unsent rows ``ids`` (dead, or waiting out a back-off) a fresh set of attempts, due now."""
    return OutboxMessage.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        dead_at=None, attempts=0, next_attempt_at=timezone.now()
    )


def _claim_due(now) -> tuple[uuid.UUID, list[OutboxMessage]]:
    """Claim up to a batch of due, unheld rows for one lease; return the token and the rows.

    The claim is a conditional UPDATE, so two relays never hold the same row. On
    PostgreSQL the rows are picked with SKIP LOCKED, so a relay does not wait on
    another's batch; SQLite has one writer at a time and needs no row locks.
    """
    token = uuid.uuid4()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = OutboxMessage.objects.filter(free, sent_at__isnull=True, dead_at__isnull=True, next_attempt_at__lte=now)
    with transaction.atomic():
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("pk").values_list("pk", flat=True)[: settings.OUTBOX_BATCH_SIZE])
        OutboxMessage.objects.filter(free, pk__in=ids).update(
            claim_token=token, claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
        )
    return token, list(OutboxMessage.objects.filter(claim_token=token).order_by("pk"))


def _broker_errors() -> tuple[type[BaseException], ...]:
    with app.connection_for_write() as connection:
        return (OperationalError, OSError, *connection.connection_errors)


def _publish(messages: list[OutboxMessage], token: uuid.UUID, *, now=None) -> dict[str, int]:
    """Publish rows held under ``token`` over one connection; record each outcome and release the rest.

    A broker that cannot be reached counts against no row: the batch stops, its rows
    are released for the relay, and nothing waits longer for it. Any other error is
    that row's failure: it backs off, and is dead after ``OUTBOX_MAX_ATTEMPTS``. A row is
    never published once its lease may have run out, so another publisher that took it
    over is alone with it.
    """
    result = {"sent": 0, "failed": 0, "broker_down": 0}
    if not messages:
        return result
    broker_errors = _broker_errors()
    # The last moment a publish may start and still end (CELERY_PUBLISH_MAX_SECONDS) inside the lease.
    deadline = min(m.claimed_until for m in messages) - timedelta(seconds=settings.CELERY_PUBLISH_MAX_SECONDS)
    sent = []
    try:
        with app.producer_or_acquire() as producer:
            for message in messages:
                if timezone.now() > deadline:
                    break
                try:
                    app.send_task(
                        message.task_name,
                        message.args,
                        message.kwargs,
                        task_id=str(message.task_id),
                        producer=producer,
                        # Nobody waits on these results, and on Redis tracking one would
                        # cost a subscribe before every publish; a message sent again
                        # (``enqueue_again``) keeps its own choice.
                        **{"ignore_result": True, **message.options, "add_to_parent": False},
                    )
                except broker_errors:
                    raise
                except Exception as error:  # noqa: BLE001 - any other error is this row's: recorded, backed off
                    _record_failure(message, token, error, now=now)
                    result["failed"] += 1
                else:
                    sent.append(message.pk)
    except broker_errors as error:
        result["broker_down"] = 1
        logger.warning(
            "Broker inalcanzable (%s): %s mensajes del outbox quedan para el relay",
            error,
            len(messages) - len(sent) - result["failed"],
        )
    finally:
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(
                sent_at=timezone.now(), claimed_until=None, claim_token=None
            )
        if len(sent) + result["failed"] < len(messages):
            # What this publisher holds and did not send is free for the next relay at once.
            OutboxMessage.objects.filter(claim_token=token, sent_at__isnull=True).update(
                claimed_until=None, claim_token=None
            )
    result["sent"] = len(sent)
    return result


def _record_failure(message: OutboxMessage, token: uuid.UUID, error: Exception, *, now=None) -> None:
    """Count a failed publish: back off exponentially, or mark the row dead after the last attempt."""
    now = now or timezone.now()
    attempts = message.attempts + 1
    dead = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = min(settings.OUTBOX_BACKOFF_SECONDS * 2 ** (attempts - 1), settings.OUTBOX_BACKOFF_MAX_SECONDS)
    OutboxMessage.objects.filter(pk=message.pk, claim_token=token).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=now + timedelta(seconds=delay),
        dead_at=now if dead else None,
        claimed_until=None,
        claim_token=None,
    )
    if dead:
        logger.error("Outbox %s (%s) muerto tras %s intentos: %r", message.pk, message.task_name, attempts, error)
    else:
        logger.warning(
            "Outbox %s (%s) falló (intento %s); otro en %s s: %r", message.pk, message.task_name, attempts, delay, error
        )


def _purge_sent(now) -> None:
    old = OutboxMessage.objects.filter(sent_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS))
    if ids := list(old.values_list("pk", flat=True)[:_PURGE_BATCH]):
        OutboxMessage.objects.filter(pk__in=ids).delete()
