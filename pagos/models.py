"""The payment of an order (one Stripe PaymentIntent at most) and the Stripe events received."""

from django.db import models
from django.db.models import Q


class Pago(models.Model):
    """The one payment attempt of a ``Venta``: the PaymentIntent that may charge it, once.

    The row exists before any PaymentIntent does; ``payment_intent_id`` is written once
    (a conditional update on it being empty) before that PaymentIntent is confirmed, so a
    retry, a redelivery or a racing worker finds it and never creates a second one that
    could charge. ``cerrado`` is set by the reconciliation before it expires an order that
    has no PaymentIntent: from then on none may be stored, so none is ever confirmed.
    """

    venta = models.OneToOneField(
        "ventas.Venta", on_delete=models.PROTECT, related_name="pago", primary_key=True, verbose_name="venta"
    )
    payment_intent_id = models.CharField("PaymentIntent", max_length=255, blank=True, db_index=True)
    # Stripe's status as last seen (requires_action, succeeded...): for the admin and the page.
    estado_stripe = models.CharField("estado en Stripe", max_length=40, blank=True)
    # Only while the buyer must authenticate (3-D Secure): Stripe.js needs it on their page.
    client_secret = models.CharField("client secret", max_length=255, blank=True)
    monto_centavos = models.PositiveBigIntegerField("monto en centavos")
    moneda = models.CharField("moneda", max_length=3)
    cerrado = models.BooleanField("cerrado", default=False)
    fecha_creacion = models.DateTimeField("fecha de creación", auto_now_add=True)
    fecha_actualizacion = models.DateTimeField("fecha de actualización", auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment_intent_id"], condition=~Q(payment_intent_id=""), name="pago_payment_intent_unico"
            ),
            models.CheckConstraint(
                condition=Q(cerrado=False) | Q(payment_intent_id=""), name="pago_cerrado_sin_payment_intent"
            ),
        ]

    def __str__(self):
        return f"Pago de la venta {self.venta_id} ({self.payment_intent_id or 'sin PaymentIntent'})"


class EventoStripe(models.Model):
    """A webhook event, stored by its Stripe id: a replay of the same event finds it and does nothing."""

    evento_id = models.CharField("id del evento", max_length=255, unique=True)
    tipo = models.CharField("tipo", max_length=100, db_index=True)
    datos = models.JSONField("datos")
    recibido = models.DateTimeField("recibido", auto_now_add=True)
    procesado = models.DateTimeField("procesado", null=True, blank=True)
    # What processing did with it ("pagada", "ignorado: ...").
    resultado = models.CharField("resultado", max_length=200, blank=True)

    class Meta:
        ordering = ["-recibido", "-pk"]
        verbose_name = "evento de Stripe"
        verbose_name_plural = "eventos de Stripe"

    def __str__(self):
        return f"{self.tipo} {self.evento_id}"


class Reembolso(models.Model):
    """The refund of a cancelled order: one Stripe Refund for the whole charge, at most once.

    Written as ``pendiente`` in the transaction that cancels the order (with its task in
    the outbox), so a refund is never forgotten. ``refund_id`` is stored as soon as
    Stripe answers; before creating one the task asks Stripe for the refunds of the
    PaymentIntent, so a run that died between Stripe's answer and our write adopts that
    refund instead of making a second. A refund Stripe refuses, or that keeps failing,
    stays here as ``fallido`` (or ``pendiente``) with its error, for staff to see.
    """

    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "Pendiente"
        REEMBOLSADO = "reembolsado", "Reembolsado"
        FALLIDO = "fallido", "Fallido"

    venta = models.OneToOneField(
        "ventas.Venta", on_delete=models.PROTECT, related_name="reembolso", primary_key=True, verbose_name="venta"
    )
    payment_intent_id = models.CharField("PaymentIntent", max_length=255)
    refund_id = models.CharField("Refund", max_length=255, blank=True, db_index=True)
    monto_centavos = models.PositiveBigIntegerField("monto en centavos")
    estado = models.CharField("estado", max_length=20, choices=Estado, default=Estado.PENDIENTE, db_index=True)
    intentos = models.PositiveIntegerField("intentos", default=0)
    ultimo_error = models.TextField("último error", blank=True)
    # The lease of the run talking to Stripe about it: a second run waits instead of creating too.
    reclamado_hasta = models.DateTimeField("reclamado hasta", null=True, blank=True)
    fecha_creacion = models.DateTimeField("fecha de creación", auto_now_add=True)
    fecha_actualizacion = models.DateTimeField("fecha de actualización", auto_now=True)

    class Meta:
        ordering = ["-fecha_creacion"]
        verbose_name = "reembolso"
        verbose_name_plural = "reembolsos"
        constraints = [
            models.UniqueConstraint(fields=["refund_id"], condition=~Q(refund_id=""), name="reembolso_refund_unico"),
        ]

    def __str__(self):
        return f"Reembolso de la venta {self.venta_id} ({self.get_estado_display()})"
