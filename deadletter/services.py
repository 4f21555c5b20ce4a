"""Holding back a task message that keeps killing its worker, and sending it again by hand."""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox import services as outbox

from . import deliveries
from .models import DeadLetter

logger = logging.getLogger(__name__)

# Options a delivery carries that are not part of how the message was sent.
_NOT_SENT_OPTIONS = {"redelivered"}


def hold(*, task, args: tuple, kwargs: dict, runs: deliveries.Deliveries) -> DeadLetter:
    """Record the message ``task`` was given as held, instead of running it; the caller drops the message.

    One row per task id: a message held again after a retry updates its row.
    """
    request = task.request
    signature = task.signature_from_request(request, list(args), kwargs)
    options = {k: v for k, v in signature.options.items() if v is not None and k not in _NOT_SENT_OPTIONS}
    deaths = runs.count - 1
    fields = {
        "task_name": task.name,
        "args": list(args),
        "kwargs": kwargs,
        "options": options,
        "queue": (request.delivery_info or {}).get("routing_key") or "",
        "deliveries": runs.count,
        "last_seen": timezone.now(),
        "reason": (
            f"El proceso que la ejecutaba murió en cada una de sus últimas {deaths} ejecuciones "
            "(sin memoria, un fallo de Pillow o de otra extensión en C, SIGKILL); no se ejecuta otra vez."
        ),
        "status": DeadLetter.Status.HELD,
    }
    letter, _ = DeadLetter.objects.update_or_create(
        task_id=request.id, defaults=fields, create_defaults={**fields, "first_seen": runs.first}
    )
    logger.error("Tarea %s retenida tras %s muertes de su proceso: %s", letter, deaths, letter.reason)
    return letter


def retry(*, dead_letter_id: int) -> bool:
    """Send a held message again as it was first sent (same task id); return False unless it was held.

    Marked and written to the outbox in one transaction, so two operators retrying at
    once send it once, and a process dying after the commit loses nothing.
    """
    with transaction.atomic():
        marked = DeadLetter.objects.filter(pk=dead_letter_id, status=DeadLetter.Status.HELD).update(
            status=DeadLetter.Status.RETRIED, retried=timezone.now(), times_retried=F("times_retried") + 1
        )
        if marked:
            letter = DeadLetter.objects.get(pk=dead_letter_id)
            # Its old count would hold it back again at once.
            deliveries.forget(letter.task_id)
            outbox.enqueue_again(letter.task_name, args=letter.args, kwargs=letter.kwargs, options=letter.options)
    return bool(marked)
