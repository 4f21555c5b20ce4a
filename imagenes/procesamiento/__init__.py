"""Pillow work on uploaded photos, with no Django in it.

Three things happen here, each safe on hostile input:

- ``validar`` runs in the web request and never decodes a pixel: JPEG/PNG/WebP/HEIF by
  content, the pixel limit and a plausible pixels-per-byte ratio checked from the
  header (a 28-byte WebP that declares 40 MP is refused here), and a structural check
  that the file is whole (PNG chunk CRCs up to IEND, JPEG's end-of-image marker after
  its first scan), all reading compressed bytes only;
- ``generar_versiones`` runs in the worker. It decodes the photo ONCE (at reduced size
  where JPEG allows it, via ``draft``), but only after the memory the decode will take,
  estimated from the header (``memoria_estimada``), fits ``max_memoria``; then it
  applies the EXIF orientation and cascades the sizes from the largest down with
  LANCZOS. The outputs are JPEG q85 optimized, keep the colour profile and carry no
  EXIF at all (no GPS, no camera serials);
- ``leer_metadatos`` reads what a user may see (camera, date taken, dimensions,
  format) from the header without decoding pixels, and never GPS.

The steps live in ``base`` (limits, errors, opening by content), ``validacion`` (the
request), ``versiones`` (the worker's decode and the versions) and ``metadatos``; their
names are re-exported here.
"""

from .base import (
    CALIDAD_JPEG,
    FORMATOS,
    MAX_MEMORIA,
    MAX_PIXELES,
    MAX_PIXELES_POR_BYTE,
    PIXELES_LIBRES,
    TAMANOS,
    Fuente,
    ImagenInvalida,
    InfoImagen,
)
from .filtros import FILTROS, aplicar_filtro
from .metadatos import leer_metadatos
from .validacion import validar
from .versiones import (
    codificar_jpeg,
    decodificar,
    generar_versiones,
    memoria_estimada,
    tamano_ajustado,
    version_para_moderar,
)

__all__ = [
    "CALIDAD_JPEG",
    "FILTROS",
    "FORMATOS",
    "MAX_MEMORIA",
    "MAX_PIXELES",
    "MAX_PIXELES_POR_BYTE",
    "PIXELES_LIBRES",
    "TAMANOS",
    "Fuente",
    "ImagenInvalida",
    "InfoImagen",
    "aplicar_filtro",
    "codificar_jpeg",
    "decodificar",
    "generar_versiones",
    "leer_metadatos",
    "memoria_estimada",
    "tamano_ajustado",
    "validar",
    "version_para_moderar",
]
