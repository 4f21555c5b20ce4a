from django.db import models


class EmailCuenta(models.Model):
    """An account email (verification, password reset) rendered in the request, sent by a worker.

    The row is written in the request's transaction with the outbox row of the task that
    sends it (``services.encolar_email``), so nothing is sent from the request and nothing
    is lost if the broker is down. The task sends it once through ``ventas.emails``
    (claim ``cuenta:<id>``); the bodies, which carry one-time links, are emptied then.
    """

    plantilla = models.CharField("plantilla", max_length=100)
    para = models.JSONField("para")
    remitente = models.CharField("remitente", max_length=254)
    asunto = models.CharField("asunto", max_length=255)
    texto = models.TextField("texto", blank=True)
    html = models.TextField("HTML", blank=True)
    creado = models.DateTimeField("creado", auto_now_add=True)
    enviado = models.DateTimeField("enviado", null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "email de cuenta"
        verbose_name_plural = "emails de cuenta"

    def __str__(self):
        return f"{self.plantilla} → {', '.join(self.para)}"

    @property
    def clave(self) -> str:
        """Return the name of this email's send-once claim (``ventas.models.EnvioEmail``)."""
        return f"cuenta:{self.pk}"
