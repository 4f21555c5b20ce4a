import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse

VERSIONES = ("thumbnail", "medium", "large")


def ruta_original(instancia: "ImagenUsuario", nombre: str) -> str:
    """Return a private path for an original that says nothing of the user's file name."""
    return f"imagenes/originales/{instancia.usuario_id}/{uuid.uuid4().hex}{PurePath(nombre).suffix.lower()}"


class ImagenUsuario(models.Model):
    """A photo a user uploaded, and what the image chord made of it."""

    class Estado(models.TextChoices):
        PROCESANDO = "procesando", "Procesando"
        LISTA = "lista", "Lista"
        REVISION = "revision", "En revisión"
        RECHAZADA = "rechazada", "Rechazada por moderación"
        FALLIDA = "fallida", "Falló"

    class Filtro(models.TextChoices):
        # Applied to every version by the chord (procesamiento.filtros); the original stays as uploaded.
        NINGUNO = "", "Sin filtro"
        BLANCO_Y_NEGRO = "blanco_y_negro", "Blanco y negro"
        SEPIA = "sepia", "Sepia"
        AUTOCONTRASTE = "autocontraste", "Contraste automático"
        CALIDO = "calido", "Cálido"

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="usuario", on_delete=models.CASCADE, related_name="imagenes"
    )
    # The original keeps the user's EXIF (maybe GPS): it is never served.
    archivo_original = models.FileField("archivo original", upload_to=ruta_original)
    descripcion = models.CharField("descripción", max_length=300, blank=True)
    filtro = models.CharField("filtro", max_length=20, choices=Filtro, default=Filtro.NINGUNO, blank=True)
    # The product this photo is for (uploaded from the seller's product form): shown on
    # the product's pages once ``usable``.
    producto = models.ForeignKey(
        "ventas.Producto",
        verbose_name="producto",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fotos",
    )
    archivo_thumbnail = models.FileField("miniatura", upload_to="imagenes/procesadas/", blank=True)
    archivo_medium = models.FileField("versión mediana", upload_to="imagenes/procesadas/", blank=True)
    archivo_large = models.FileField("versión grande", upload_to="imagenes/procesadas/", blank=True)
    metadatos = models.JSONField("metadatos", default=dict, blank=True)
    # None until a moderation service answered; then its verdict and confidence.
    contenido_seguro = models.BooleanField("contenido seguro", null=True, blank=True)
    confianza_analisis = models.FloatField("confianza del análisis", null=True, blank=True)
    categorias = models.JSONField("categorías", default=list, blank=True)
    nota_moderacion = models.CharField("nota de moderación", max_length=200, blank=True)
    estado = models.CharField("estado", max_length=20, choices=Estado, default=Estado.PROCESANDO, db_index=True)
    error = models.CharField("error", max_length=300, blank=True)
    creada = models.DateTimeField("creada", auto_now_add=True, db_index=True)
    # When the chord last started: the sweep's clock (an image may wait in the queue first).
    procesando_desde = models.DateTimeField("procesando desde", null=True, blank=True)
    actualizada = models.DateTimeField("actualizada", auto_now=True)

    class Meta:
        ordering = ["-creada", "-pk"]
        verbose_name = "imagen de usuario"
        verbose_name_plural = "imágenes de usuarios"

    def __str__(self):
        return f"Imagen {self.pk} de {self.usuario}"

    def get_absolute_url(self):
        return reverse("imagenes:detalle", args=[self.pk])

    def archivo(self, version: str):
        return getattr(self, f"archivo_{version}")

    def url_version(self, version: str) -> str | None:
        """Return the URL that serves a processed version to its owner, or None while there is none."""
        if not self.archivo(version):
            return None
        return reverse("imagenes:archivo", args=[self.pk, version])

    @property
    def url_medium(self) -> str | None:
        return self.url_version("medium")

    def srcset(self) -> str:
        """Return the ``srcset`` of the three versions (their widths from the metadata when known)."""
        partes = []
        for version, lado in (("thumbnail", 150), ("medium", 640), ("large", 1080)):
            if url := self.url_version(version):
                partes.append(f"{url} {self.ancho_version(lado)}w")
        return ", ".join(partes)

    def ancho_version(self, lado: int) -> int:
        """Return the width of the version that fits a ``lado`` square (the long side when unknown)."""
        ancho, alto = self.metadatos.get("ancho"), self.metadatos.get("alto")
        if not ancho or not alto or max(ancho, alto) <= lado:
            return ancho or lado
        return max(1, round(ancho * lado / max(ancho, alto)))

    @property
    def terminada(self) -> bool:
        return self.estado != self.Estado.PROCESANDO

    @property
    def usable(self) -> bool:
        """Whether the image may be shown to others (attached to a product)."""
        return self.estado == self.Estado.LISTA and all(self.archivo(v) for v in VERSIONES)
