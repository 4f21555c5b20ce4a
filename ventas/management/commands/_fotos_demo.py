"""Photos of the demo products, drawn with Pillow at seed time (nothing downloaded)."""

import colorsys
import hashlib
import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from imagenes import procesamiento
from imagenes.models import VERSIONES, ImagenUsuario


def _color(nombre: str, luz: float) -> tuple[int, int, int]:
    tono = int(hashlib.sha256(nombre.encode()).hexdigest()[:4], 16) / 0xFFFF
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(tono, luz, 0.55))


def dibujar(nombre: str, lado: int = 1200) -> bytes:
    """Return a JPEG of a still life for ``nombre``: a coloured backdrop, a shape and its initial."""
    imagen = Image.new("RGB", (lado, lado), _color(nombre, 0.85))
    dibujo = ImageDraw.Draw(imagen)
    for i in range(0, lado, lado // 12):  # soft stripes, so the versions have detail to keep
        dibujo.rectangle([i, 0, i + lado // 48, lado], fill=_color(nombre + "·", 0.8))
    margen = lado // 5
    dibujo.ellipse(
        [margen, margen, lado - margen, lado - margen],
        fill=_color(nombre, 0.45),
        outline=(40, 30, 20),
        width=lado // 80,
    )
    fuente = ImageFont.load_default(size=lado // 3)
    dibujo.text((lado / 2, lado / 2), nombre[:1].upper(), font=fuente, fill=(255, 255, 255), anchor="mm")
    salida = io.BytesIO()
    imagen.save(salida, "JPEG", quality=90)
    return salida.getvalue()


def dar_foto(producto) -> bool:
    """Give ``producto`` a ready photo made here, stored as its three versions; return False if it had one.

    The versions come from the same pure function the image chord runs (no worker is
    needed to seed), and the photo is ready: the demo's own pictures need no moderation.
    """
    if producto.fotos.exists():
        return False
    original = dibujar(producto.nombre)
    versiones = procesamiento.generar_versiones(original)
    imagen = ImagenUsuario(
        usuario=producto.vendedor,
        producto=producto,
        descripcion=producto.nombre[:300],
        estado=ImagenUsuario.Estado.LISTA,
        contenido_seguro=True,
        confianza_analisis=1.0,
        nota_moderacion="Foto de demostración generada por seed_demo.",
        metadatos=procesamiento.leer_metadatos(original),
    )
    imagen.archivo_original.save("original.jpg", ContentFile(original), save=False)
    imagen.save()
    for version in VERSIONES:
        imagen.archivo(version).save(f"{imagen.pk}/{version}.jpg", ContentFile(versiones[version]), save=False)
    imagen.save(update_fields=[f"archivo_{v}" for v in VERSIONES])
    return True
