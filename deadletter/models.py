from django.db import models


class DeadLetter(models.Model):
    """A task message held back because its runs kept killing their worker (see ``deliveries``).

    One row per task id. The worker writes it instead of running the task once more and
    drops the message; an operator sends it again from the admin once the cause is fixed
    (``services.retry``), with the same id, arguments, queue and chain.
    """

    class Status(models.TextChoices):
        HELD = "held", "Retenido"
        RETRIED = "retried", "Reenviado"

    task_name = models.CharField("tarea", max_length=255, db_index=True)
    task_id = models.CharField("id de la tarea", max_length=255, unique=True)
    args = models.JSONField("argumentos", default=list, blank=True)
    kwargs = models.JSONField("argumentos con nombre", default=dict, blank=True)
    # What sending it again as it was needs: the task id, routing, chain, chord, callbacks.
    options = models.JSONField("opciones de envío", default=dict, blank=True)
    queue = models.CharField("cola", max_length=200, blank=True)
    deliveries = models.PositiveIntegerField("entregas")
    first_seen = models.DateTimeField("primera entrega")
    last_seen = models.DateTimeField("retenido")
    reason = models.TextField("motivo")
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.HELD, db_index=True)
    retried = models.DateTimeField("reenviado", null=True, blank=True)
    times_retried = models.PositiveIntegerField("veces reenviado", default=0)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = "mensaje retenido"
        verbose_name_plural = "mensajes retenidos"

    def __str__(self):
        return f"{self.task_name}[{self.task_id}]"
