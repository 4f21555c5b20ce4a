from django.conf import settings
from django.db import models


class Notificacion(models.Model):
    class Tipo(models.TextChoices):
        NUEVA_VENTA = "nueva_venta", "Nueva venta"
        IMAGEN_PROCESADA = "imagen_procesada", "Imagen procesada"

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="usuario", on_delete=models.CASCADE, related_name="notificaciones"
    )
    # 1, 2, 3… per user, with no holes, in commit order (services.notificar): the client
    # sees a hole when a push is lost and asks for what is missing.
    secuencia = models.PositiveBigIntegerField("secuencia")
    tipo = models.CharField("tipo", max_length=40, choices=Tipo)
    titulo = models.CharField("título", max_length=200)
    mensaje = models.TextField("mensaje", blank=True)
    datos = models.JSONField("datos", default=dict, blank=True)
    leida = models.BooleanField("leída", default=False)
    creada = models.DateTimeField("creada", auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "notificación"
        verbose_name_plural = "notificaciones"
        indexes = [models.Index(fields=["usuario", "leida"], name="notif_usuario_leida")]
        constraints = [models.UniqueConstraint(fields=["usuario", "secuencia"], name="notif_usuario_secuencia")]

    def __str__(self):
        return f"{self.usuario}: {self.titulo}"

    def como_mensaje(self):
        """Return the JSON message the WebSocket client receives for this row."""
        # ``datos`` first: a key in it (say "id" or "secuencia") must never override the
        # fields the client relies on to de-duplicate and dispatch.
        return {
            **self.datos,
            "type": self.tipo,
            "id": self.pk,
            "secuencia": self.secuencia,
            "titulo": self.titulo,
            "mensaje": self.mensaje,
            "leida": self.leida,
            "timestamp": self.creada.isoformat(),
        }


class ContadorNotificaciones(models.Model):
    """The last sequence number given to one user's notifications.

    ``notificar`` increments it in the transaction that inserts the row: the row lock
    it takes lasts until that commit, so one user's numbers are handed out, and
    become visible, one after another.
    """

    usuario = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name="usuario"
    )
    ultima_secuencia = models.PositiveBigIntegerField("última secuencia", default=0)

    class Meta:
        verbose_name = "contador de notificaciones"
        verbose_name_plural = "contadores de notificaciones"

    def __str__(self):
        return f"{self.usuario}: {self.ultima_secuencia}"
