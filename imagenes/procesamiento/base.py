"""What every step shares: the limits, the errors, opening a file by content and checking its pixels."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, BinaryIO

import pillow_heif
from PIL import Image, ImageFile

# HEIC/HEIF (phones' default) through libheif: Pillow opens it like the others, by
# content, reading only the container's boxes until a pixel is asked for.
pillow_heif.register_heif_opener()

FORMATOS = ("JPEG", "PNG", "WEBP", "HEIF")
# name → longest side, largest first: each size is made from the one before it.
TAMANOS: dict[str, int] = {"large": 1080, "medium": 640, "thumbnail": 150}
CALIDAD_JPEG = 85
MAX_PIXELES = 40_000_000
# Above PIXELES_LIBRES a file must carry at least one byte per MAX_PIXELES_POR_BYTE
# pixels. Measured with Pillow 13 on generated images (docs/imagenes.md has the table):
# JPEG never goes past 64 px/byte, not even one flat colour at q85 (noisy photos 2–28,
# noiseless ones 30–48); PNG screenshots 10–51; lossy WebP of a noiseless scene
# 133–186; lossless WebP screenshots 226–415 at 2–8 MP; flat-colour PNG and WebP
# 229–24,500. So every JPEG and PNG screenshot passes at any size, any image up to
# 12 MP passes however flat, and what fails is a bomb: the 28-byte 40 MP WebP
# (1.4 million px/byte) or a 156 KB 36 MP PNG (230).
MAX_PIXELES_POR_BYTE = 100
PIXELES_LIBRES = 12_000_000
# What one decode in the worker may take, estimated before it starts (memoria_estimada).
MAX_MEMORIA = 512 * 1024 * 1024

# What a broken or hostile file can make Pillow raise while opening or decoding.
ERRORES_PILLOW = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,  # malformed chunks and markers
    ValueError,
    EOFError,
    struct.error,
    IndexError,
)
BOMBAS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
Fuente = bytes | str | BinaryIO | IO[bytes]


def _formato(imagen: Image.Image) -> str:
    """Return the format's name; multi-picture JPEGs from phones (MPO) are JPEGs."""
    return "JPEG" if imagen.format == "MPO" else imagen.format or ""


class ImagenInvalida(ValueError):
    """The file is not an image we accept; the message is fit to show the user."""


@dataclass(frozen=True)
class InfoImagen:
    formato: str
    ancho: int
    alto: int
    modo: str
    fotogramas: int = 1


def _como_archivo(fuente: Fuente) -> BinaryIO:
    if isinstance(fuente, bytes | bytearray):
        return io.BytesIO(fuente)
    if isinstance(fuente, str):
        return fuente  # type: ignore[return-value] - Pillow opens and closes the path itself
    fuente.seek(0)
    return fuente  # type: ignore[return-value]


def _abrir(fuente: Fuente, max_pixeles: int) -> ImageFile.ImageFile:
    """Open by content (JPEG/PNG/WebP/HEIF only) and check the pixel count before any decode.

    Call it inside ``_errores_de_pillow``, which turns what Pillow raises into ``ImagenInvalida``.
    """
    imagen = Image.open(_como_archivo(fuente), formats=list(FORMATOS))
    ancho, alto = imagen.size
    if ancho <= 0 or alto <= 0:
        raise ImagenInvalida("La imagen no tiene dimensiones válidas.")
    if ancho * alto > max_pixeles:
        raise ImagenInvalida(_mensaje_pixeles(max_pixeles, ancho, alto))
    return imagen


def _mensaje_pixeles(max_pixeles: int, ancho: int | None = None, alto: int | None = None) -> str:
    tam = f" ({ancho}×{alto})" if ancho else ""
    return f"La imagen tiene demasiados píxeles{tam}; el máximo es {max_pixeles / 1_000_000:g} megapíxeles."


@contextmanager
def _errores_de_pillow(max_pixeles: int) -> Iterator[None]:
    """Turn whatever a broken or hostile file makes Pillow raise in the block into ``ImagenInvalida``.

    Pillow's DecompressionBombWarning is an error inside the block. (Warning filters are
    process-wide; if two threads race here one may only warn, but our own pixel limit,
    checked first, is below Pillow's warning threshold anyway.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ImagenInvalida:
            raise  # ours, and a ValueError: not to be mistaken for Pillow's below
        except Image.UnidentifiedImageError:
            raise ImagenInvalida("El archivo no es una imagen JPEG, PNG o WebP, ni una foto HEIC.") from None
        except BOMBAS:
            raise ImagenInvalida(_mensaje_pixeles(max_pixeles)) from None
        except ERRORES_PILLOW:
            raise ImagenInvalida("El archivo de imagen está dañado o incompleto.") from None
        except MemoryError:
            raise ImagenInvalida("La imagen es demasiado grande para procesarla.") from None
