"""Serving media files from whichever storage keeps them (the local disk or the S3 bucket)."""

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

# Product photos are public and their names never change content (saves never overwrite,
# a new photo gets a new name): caches may keep them a day. Not "immutable": an admin who
# takes a photo down wants it gone from caches within that day.
CACHE_FOTOS = "public, max-age=86400"


def abrir(nombre: str):
    """Open the stored file ``nombre`` for reading; raise Http404 when there is none."""
    try:
        return default_storage.open(nombre, "rb")
    except FileNotFoundError:
        raise Http404("Ese archivo no existe.") from None


def foto_de_producto(request, path: str):
    """Serve a product photo (the only public media) from the storage.

    Only under ``productos/``: the storage's own check keeps a name inside the media
    root (or bucket), not inside this folder, so ``../imagenes/originales/...`` would
    reach a private original.
    """
    if "\\" in path or any(parte in ("", ".", "..") for parte in path.split("/")):
        raise Http404("Ese archivo no existe.")
    nombre = f"productos/{path}"
    tipo = mimetypes.guess_type(nombre)[0]
    if tipo is None or not tipo.startswith("image/"):
        raise Http404("Ese archivo no existe.")
    respuesta = FileResponse(abrir(nombre), content_type=tipo)
    respuesta["Cache-Control"] = CACHE_FOTOS
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta
