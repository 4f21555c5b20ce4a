"""The events told to the external warehouse system, one row each, delivered in order per order."""

import uuid

from django.db import models


class EventoAlmacen(models.Model):
    """One event for the external warehouse (an order paid, an order cancelled), and its delivery.

    Written once per order and kind (the database refuses a second) in the transaction
    of the task that notices it; delivered by ``almacen.tasks.entregar_eventos_almacen``,
    the events of one order in ``pk`` order. ``clave`` is the ``Idempotency-Key`` of every
    attempt, so a receiver that got it twice (we timed out after it answered) can tell.
    ``muerto`` after ``ALMACEN_WEBHOOK_MAX_INTENTOS`` failed attempts or a refusal (4xx):
    it waits in the admin for a retry, and the later events of its order wait behind it.
    """

    class Tipo(models.TextChoices):
        PAGADA = "venta.pagada", "Venta pagada"
        CANCELADA = "venta.cancelada", "Venta cancelada"

    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "Pendiente"
        ENTREGADO = "entregado", "Entregado"
        MUERTO = "muerto", "Muerto"
        # No WAREHOUSE_WEBHOOK_URL when it happened: the row only makes the warehouse's live push happen once.
        SIN_DESTINO = "sin_destino", "Sin sistema externo"

    venta = models.ForeignKey(
        "ventas.Venta", on_delete=models.CASCADE, related_name="eventos_almacen", verbose_name="venta"
    )
    tipo = models.CharField("tipo", max_length=40, choices=Tipo)
    clave = models.UUIDField("clave", default=uuid.uuid4, unique=True, editable=False)
    # Where it goes: the WAREHOUSE_WEBHOOK_URL when the event happened.
    url = models.URLField("URL", max_length=500, blank=True)
    datos = models.JSONField("datos")
    estado = models.CharField("estado", max_length=20, choices=Estado, default=Estado.PENDIENTE, db_index=True)
    intentos = models.PositiveIntegerField("intentos", default=0)
    ultimo_error = models.TextField("último error", blank=True)
    # The lease of the worker delivering this order's events right now.
    reclamado_hasta = models.DateTimeField("reclamado hasta", null=True, blank=True)
    creado = models.DateTimeField("creado", auto_now_add=True)
    entregado = models.DateTimeField("entregado", null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "evento del almacén"
        verbose_name_plural = "eventos del almacén"
        constraints = [models.UniqueConstraint(fields=["venta", "tipo"], name="un_evento_almacen_por_venta_y_tipo")]

    def __str__(self):
        return f"{self.tipo} venta {self.venta_id} [{self.estado}]"
