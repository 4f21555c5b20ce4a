from django.conf import settings
from django.db import models


class Notificacion(models.Model):
    class Tipo(models.TextChoices):
        NUEVA_VENTA = "nueva_venta", "Nueva venta"
        IMAGEN_PROCESADA = "imagen_procesada", "Imagen procesada"

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notificaciones")
    tipo = models.CharField(max_length=40, choices=Tipo)
    titulo = models.CharField(max_length=200)
    mensaje = models.TextField(blank=True)
    datos = models.JSONField(default=dict, blank=True)
    leida = models.BooleanField(default=False)
    creada = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "notificación"
        verbose_name_plural = "notificaciones"
        indexes = [models.Index(fields=["usuario", "leida"], name="notif_usuario_leida")]

    def __str__(self):
        return f"{self.usuario}: {self.titulo}"

    def como_mensaje(self):
        """Return the JSON message the WebSocket client receives for this row."""
        # ``datos`` first: a key in it (say "id" or "type") must never override the
        # fields the client relies on to de-duplicate and dispatch.
        return {
            **self.datos,
            "type": self.tipo,
            "id": self.pk,
            "titulo": self.titulo,
            "mensaje": self.mensaje,
            "leida": self.leida,
            "timestamp": self.creada.isoformat(),
        }
