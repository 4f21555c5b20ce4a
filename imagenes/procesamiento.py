"""Pillow work on uploaded photos, with no Django in it.

Three things happen here, each cheap and each safe on hostile input:

- ``validar`` checks a file before anything trusts it: JPEG/PNG/WebP by content, a
  pixel limit checked from the header (decompression-bomb warnings become errors),
  ``verify()`` and a full decode to catch truncated or corrupted data;
- ``generar_versiones`` decodes the photo ONCE (at reduced size where JPEG allows it,
  via ``draft``), applies the EXIF orientation, and cascades the sizes from the
  largest down with LANCZOS. The outputs are JPEG q85 optimized, keep the colour
  profile and carry no EXIF at all (no GPS, no camera serials);
- ``leer_metadatos`` reads what a user may see (camera, date taken, dimensions,
  format) from the header without decoding pixels, and never GPS.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

FORMATOS = ("JPEG", "PNG", "WEBP")
# name → longest side, largest first: each size is made from the one before it.
TAMANOS: dict[str, int] = {"large": 1080, "medium": 640, "thumbnail": 150}
CALIDAD_JPEG = 85
MAX_PIXELES = 40_000_000

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


def _como_archivo(fuente: Fuente) -> BinaryIO:
    if isinstance(fuente, bytes | bytearray):
        return io.BytesIO(fuente)
    if isinstance(fuente, str):
        return fuente  # type: ignore[return-value] - Pillow opens and closes the path itself
    fuente.seek(0)
    return fuente  # type: ignore[return-value]


def _abrir(fuente: Fuente, max_pixeles: int) -> ImageFile.ImageFile:
    """Open by content (JPEG/PNG/WebP only) and check the pixel count before any decode.

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
            raise ImagenInvalida("El archivo no es una imagen JPEG, PNG o WebP.") from None
        except BOMBAS:
            raise ImagenInvalida(_mensaje_pixeles(max_pixeles)) from None
        except ERRORES_PILLOW:
            raise ImagenInvalida("El archivo de imagen está dañado o incompleto.") from None
        except MemoryError:
            raise ImagenInvalida("La imagen es demasiado grande para procesarla.") from None


def validar(fuente: Fuente, *, max_pixeles: int = MAX_PIXELES) -> InfoImagen:
    """Check that ``fuente`` is a whole JPEG/PNG/WebP within the pixel limit; return its facts.

    Raise ``ImagenInvalida`` with a message for the user otherwise. The pixel count is
    checked from the header, before any pixel is decoded; then ``verify()`` checks the
    structure and a full decode (at 1/8 scale for JPEG, which still reads every byte
    of the compressed data) catches truncation.
    """
    with _errores_de_pillow(max_pixeles):
        imagen = _abrir(fuente, max_pixeles)
        info = InfoImagen(_formato(imagen), imagen.size[0], imagen.size[1], imagen.mode)
        imagen.verify()
        # verify() leaves the image unusable: open again for the decode.
        imagen = _abrir(fuente, max_pixeles)
        if _formato(imagen) == "JPEG":
            imagen.draft(None, (max(1, imagen.size[0] // 8), max(1, imagen.size[1] // 8)))
        imagen.load()
    return info


def tamano_ajustado(ancho: int, alto: int, lado: int) -> tuple[int, int]:
    """Return the size that fits ``ancho``×``alto`` inside a ``lado`` square, never upscaling."""
    if ancho <= lado and alto <= lado:
        return ancho, alto
    escala = lado / max(ancho, alto)
    return max(1, round(ancho * escala)), max(1, round(alto * escala))


def _a_rgb_o_gris(imagen: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Return the image in a mode JPEG stores (RGB or L) and the ICC profile that still fits it."""
    modo = imagen.mode
    if modo in ("RGB", "L"):
        return imagen, icc
    if modo == "CMYK":
        if icc:
            try:
                origen = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                srgb = ImageCms.createProfile("sRGB")
                convertida = ImageCms.profileToProfile(imagen, origen, srgb, outputMode="RGB")
                return convertida, ImageCms.ImageCmsProfile(srgb).tobytes()
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass  # a broken profile: fall back to the plain conversion below
        return imagen.convert("RGB"), None
    if modo.startswith("I;16") or modo == "I":
        # 16-bit grey: scale 0..65535 down to 0..255 (a plain convert would clip to white).
        return imagen.convert("I").point(lambda v: v * (1 / 256)).convert("L"), icc
    if modo == "1":
        return imagen.convert("L"), icc
    if modo in ("RGBA", "LA", "PA", "P", "La", "RGBa"):
        con_alfa = imagen.convert("RGBA")
        fondo = Image.new("RGB", con_alfa.size, (255, 255, 255))
        fondo.paste(con_alfa, mask=con_alfa.getchannel("A"))
        # A palette or grey PNG's profile may be a grey one; keep it only if it is RGB.
        return fondo, icc if icc and _espacio_icc(icc) == "RGB" else None
    return imagen.convert("RGB"), None


def _espacio_icc(icc: bytes) -> str:
    # The colour space signature sits at bytes 16..20 of every ICC header.
    return icc[16:20].decode("ascii", "replace").strip() if len(icc) >= 20 else ""


def decodificar(fuente: Fuente, *, lado: int, max_pixeles: int = MAX_PIXELES) -> tuple[Image.Image, bytes | None]:
    """Decode once, as small as ``lado`` allows, upright and in RGB or L; return it and its ICC profile."""
    with _errores_de_pillow(max_pixeles):
        imagen = _abrir(fuente, max_pixeles)
        if _formato(imagen) == "JPEG":
            # DCT-domain scaling: a 12 MP photo wanted at 1080 decodes at 1/2 or 1/4.
            imagen.draft(None, tamano_ajustado(*imagen.size, lado))
        icc = imagen.info.get("icc_profile") or None
        imagen.load()
        erguida = ImageOps.exif_transpose(imagen)
        salida, icc = _a_rgb_o_gris(erguida, icc)
    if icc and _espacio_icc(icc) != ("GRAY" if salida.mode == "L" else "RGB"):
        icc = None
    salida.info = {}  # nothing of the original's metadata travels on
    return salida, icc


def codificar_jpeg(imagen: Image.Image, icc: bytes | None = None, calidad: int = CALIDAD_JPEG) -> bytes:
    """Return ``imagen`` as an optimized JPEG with only the ICC profile as metadata."""
    salida = io.BytesIO()
    opciones: dict = {"quality": calidad, "optimize": True}
    if icc:
        opciones["icc_profile"] = icc
    imagen.save(salida, "JPEG", **opciones)
    return salida.getvalue()


def generar_versiones(
    fuente: Fuente,
    *,
    tamanos: dict[str, int] | None = None,
    max_pixeles: int = MAX_PIXELES,
    calidad: int = CALIDAD_JPEG,
) -> dict[str, bytes]:
    """Return ``{name: jpeg bytes}`` for each size, fit inside its square, upright, no EXIF.

    The photo is decoded once at the largest size needed; each smaller version is
    resized from the previous one (1080 → 640 → 150), which is both faster and as
    sharp as resizing each from the original with LANCZOS.
    """
    tamanos = dict(sorted((tamanos or TAMANOS).items(), key=lambda par: -par[1]))
    base, icc = decodificar(fuente, lado=max(tamanos.values()), max_pixeles=max_pixeles)
    versiones: dict[str, bytes] = {}
    actual = base
    for nombre, lado in tamanos.items():
        destino = tamano_ajustado(*actual.size, lado)
        if destino != actual.size:
            actual = actual.resize(destino, Image.Resampling.LANCZOS)
        versiones[nombre] = codificar_jpeg(actual, icc, calidad)
    return versiones


# EXIF tags a user may see. GPS (tag 0x8825 and its IFD) is never read.
_ETIQUETAS_BASE = {ExifTags.Base.Make: "camara_marca", ExifTags.Base.Model: "camara_modelo"}
_ETIQUETAS_EXIF = {
    ExifTags.Base.DateTimeOriginal: "fecha_toma",
    ExifTags.Base.ExposureTime: "exposicion",
    ExifTags.Base.FNumber: "apertura",
    ExifTags.Base.ISOSpeedRatings: "iso",
    ExifTags.Base.FocalLength: "distancia_focal",
}
_GIRO = {5, 6, 7, 8}  # orientations that swap width and height


def _texto(valor: object, maximo: int = 100) -> str | int | float | None:
    if isinstance(valor, bytes):
        valor = valor.decode("utf-8", "replace")
    if isinstance(valor, str):
        limpio = "".join(c for c in valor if c.isprintable()).strip()
        return limpio[:maximo] or None
    if isinstance(valor, int | float):
        return valor
    try:
        return round(float(valor), 4)  # IFDRational and friends
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def leer_metadatos(fuente: Fuente, *, max_pixeles: int = MAX_PIXELES) -> dict:
    """Return JSON-ready facts about the photo read from its header: never GPS.

    ``ancho``/``alto`` are as the photo is shown, after its EXIF orientation.
    """
    with _errores_de_pillow(max_pixeles):
        imagen = _abrir(fuente, max_pixeles)
        exif = imagen.getexif()
        orientacion = exif.get(ExifTags.Base.Orientation)
        ancho, alto = imagen.size
        if orientacion in _GIRO:
            ancho, alto = alto, ancho
        datos: dict = {
            "formato": _formato(imagen),
            "modo": imagen.mode,
            "ancho": ancho,
            "alto": alto,
            "megapixeles": round(ancho * alto / 1_000_000, 1),
            "perfil_color": bool(imagen.info.get("icc_profile")),
        }
        if orientacion:
            datos["orientacion_exif"] = int(orientacion)
        _copiar(exif, _ETIQUETAS_BASE, datos)
        _copiar(exif.get_ifd(ExifTags.IFD.Exif), _ETIQUETAS_EXIF, datos)
        if "fecha_toma" not in datos and (fecha := _texto(exif.get(ExifTags.Base.DateTime))):
            datos["fecha_toma"] = fecha
    return datos


def _copiar(origen, etiquetas: dict, destino: dict) -> None:
    for etiqueta, nombre in etiquetas.items():
        valor = origen.get(etiqueta)
        if isinstance(valor, tuple | list):
            valor = valor[0] if valor else None
        if valor is not None and (limpio := _texto(valor)) is not None:
            destino[nombre] = limpio


def version_para_moderar(fuente: Fuente, *, lado: int = 512, max_pixeles: int = MAX_PIXELES) -> bytes:
    """Return a small upright JPEG without EXIF to send to the moderation service."""
    imagen, _icc = decodificar(fuente, lado=lado, max_pixeles=max_pixeles)
    destino = tamano_ajustado(*imagen.size, lado)
    if destino != imagen.size:
        imagen = imagen.resize(destino, Image.Resampling.LANCZOS)
    return codificar_jpeg(imagen, None, 80)
