import uuid

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """A task to publish: written in the transaction of the state it belongs to, published after commit.

    A row is pending until ``sent_at`` is set, or dead once ``dead_at`` is (it failed
    ``OUTBOX_MAX_ATTEMPTS`` times). ``claimed_until``/``claim_token`` is the lease of
    whoever is publishing it right now (the on-commit callback of the transaction that
    wrote it, or a relay), so two publishers do not send it at once, and the rows of one
    that died go back to the relay when the lease ends. ``task_id`` is the Celery task
    id of every publish of this row, so a row published twice is one id in Flower; a
    message sent again as it was (``enqueue_again``) keeps its first id, so two rows may share one.
    """

    task_name = models.CharField("tarea", max_length=200)
    args = models.JSONField("argumentos", default=list, blank=True)
    kwargs = models.JSONField("argumentos con nombre", default=dict, blank=True)
    # Options for send_task (queue, priority, countdown, expires); routing by name still applies.
    options = models.JSONField("opciones de envío", default=dict, blank=True)
    task_id = models.UUIDField("id de la tarea", default=uuid.uuid4, db_index=True, editable=False)
    created_at = models.DateTimeField("creado", auto_now_add=True)
    sent_at = models.DateTimeField("enviado", null=True, blank=True)
    # Failed publishes; an unreachable broker counts against no row (see services._publish).
    attempts = models.PositiveIntegerField("intentos", default=0)
    next_attempt_at = models.DateTimeField("próximo intento")
    claimed_until = models.DateTimeField("reservado hasta", null=True, blank=True)
    claim_token = models.UUIDField("ficha de reserva", null=True, blank=True)
    last_error = models.TextField("último error", blank=True)
    dead_at = models.DateTimeField("abandonado", null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "mensaje del outbox"
        verbose_name_plural = "mensajes del outbox"
        indexes = [
            # What the relay scans: only pending rows, however many were sent.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, dead_at__isnull=True),
                name="outbox_pendientes",
            ),
            models.Index(fields=["claim_token"], name="outbox_reclamo"),
            # What the relay purges once they are old.
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="outbox_enviados"),
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)!r} [{self.estado}]"

    @property
    def estado(self) -> str:
        if self.sent_at:
            return "enviado"
        return "muerto" if self.dead_at else "pendiente"
