"""Pillow work on uploaded photos, with no Django in it.

Three things happen here, each safe on hostile input:

- ``validar`` runs in the web request and never decodes a pixel: JPEG/PNG/WebP by
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
# Peak bytes per pixel of decodificar (decode, EXIF rotation, conversion to RGB or L),
# measured with Pillow 13 on 9 MP images, upright and rotated, and rounded up (the
# measured peak in brackets): see memoria_estimada and docs/imagenes.md.
_BYTES_WEBP = 18  # [15.8] libwebp's canvas and its copy, the frame's bytes, Pillow's image
_BYTES_JPEG = 12  # [8.9] per pixel decoded, after draft()
_BYTES_PNG = {
    "1": 3,  # [2.0]
    "L": 3,  # [1.6]
    "RGB": 9,  # [8.0 rotated, 6.0 upright] Pillow keeps RGB in 4 bytes
    "P": 12,  # [10.0] made RGB or RGBA at full size
    "I;16": 12,  # [10.0] scaled through 32-bit "I"
    "I;16B": 12,
}
_BYTES_PNG_OTRO = 16  # [13.0] RGBA, LA: a white background is pasted under an RGBA copy

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


def validar(
    fuente: Fuente,
    *,
    max_pixeles: int = MAX_PIXELES,
    max_pixeles_por_byte: int = MAX_PIXELES_POR_BYTE,
    pixeles_libres: int = PIXELES_LIBRES,
) -> InfoImagen:
    """Check that ``fuente`` is a whole JPEG/PNG/WebP within the limits; return its facts.

    Raise ``ImagenInvalida`` with a message for the user otherwise. Only headers and
    compressed bytes are read, never a pixel decoded, so this is as cheap for a
    decompression bomb as for a photo: format, dimensions and frame count come from the
    header, and the file must carry enough bytes for its pixels (see
    ``MAX_PIXELES_POR_BYTE``). Damage that only a decode would show (bad data inside a
    scan) is left to the worker, which fails the image with a reason.
    """
    with _errores_de_pillow(max_pixeles), _abrir(fuente, max_pixeles) as imagen:
        info = InfoImagen(_formato(imagen), imagen.size[0], imagen.size[1], imagen.mode, getattr(imagen, "n_frames", 1))
        archivo = imagen.fp
        archivo.seek(0, io.SEEK_END)
        peso = archivo.tell()
        pixeles = info.ancho * info.alto
        if pixeles > pixeles_libres and pixeles > max_pixeles_por_byte * peso:
            cuanto = f"{peso} bytes" if peso < 1024 else f"{peso // 1024} KB"
            raise ImagenInvalida(
                f"La imagen dice medir {info.ancho}×{info.alto} píxeles pero pesa solo {cuanto}; "
                "no parece una foto ni una captura de pantalla."
            )
        if info.formato == "PNG":
            imagen.verify()  # chunk lengths and CRCs up to IEND; nothing is inflated
        elif info.formato == "JPEG" and not _jpeg_completo(archivo):
            raise ImagenInvalida("El archivo de imagen está dañado o incompleto.")
        # A cut-off WebP never gets here: libwebp's demuxer refuses it in Image.open.
    return info


def _jpeg_completo(archivo: BinaryIO) -> bool:
    """Return whether an end-of-image marker follows the first scan; a cut-off JPEG has none.

    The segments up to the first SOS are skipped by their lengths (an EXIF thumbnail
    inside APP1 has markers of its own); after it, a 0xFF in the entropy-coded data is
    always followed by 0x00 or a restart marker, so 0xFFD9 there is the real end.
    Extra data after it (an MPO's second picture, a phone's trailer) is allowed.
    """
    archivo.seek(2)
    while True:
        marca = archivo.read(2)
        if len(marca) < 2 or marca[0] != 0xFF:
            return False
        if marca[1] == 0xFF:  # fill byte before a marker
            archivo.seek(-1, io.SEEK_CUR)
            continue
        if marca[1] == 0x01 or 0xD0 <= marca[1] <= 0xD7:  # markers without a length
            continue
        largo = archivo.read(2)
        if len(largo) < 2 or int.from_bytes(largo, "big") < 2:
            return False
        archivo.seek(int.from_bytes(largo, "big") - 2, io.SEEK_CUR)
        if marca[1] == 0xDA:
            break
    anterior = b""
    while bloque := archivo.read(1 << 20):
        if b"\xff\xd9" in anterior + bloque:
            return True
        anterior = bloque[-1:]
    return False


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


def memoria_estimada(imagen: ImageFile.ImageFile, tamano_original: tuple[int, int]) -> int:
    """Return the bytes ``decodificar`` needs at its peak for ``imagen``, from its header alone.

    Call it after ``draft``: a JPEG is decoded at the drafted ``imagen.size`` but a
    progressive one keeps its coefficients at ``tamano_original``. Only the first frame
    of an animated PNG or WebP is ever decoded (the versions are stills), so the other
    frames cost nothing; bytes per pixel depend on format and mode (``_BYTES_*``).
    """
    ancho, alto = imagen.size
    pixeles = ancho * alto
    formato = _formato(imagen)
    if formato == "WEBP":
        return pixeles * _BYTES_WEBP
    if formato == "JPEG":
        memoria = pixeles * _BYTES_JPEG
        if imagen.info.get("progressive") or imagen.info.get("progression"):
            # A progressive JPEG keeps every DCT coefficient (2 bytes each) of the full
            # size until its last scan, whatever draft() asked for.
            memoria += tamano_original[0] * tamano_original[1] * 2 * len(imagen.layer)
        return memoria
    return pixeles * _BYTES_PNG.get(imagen.mode, _BYTES_PNG_OTRO)


def _comprobar_memoria(imagen: ImageFile.ImageFile, tamano_original: tuple[int, int], max_memoria: int) -> None:
    if memoria_estimada(imagen, tamano_original) > max_memoria:
        ancho, alto = tamano_original
        raise ImagenInvalida(f"La imagen ({ancho}×{alto}, {imagen.mode}) es demasiado grande para procesarla.")


def decodificar(
    fuente: Fuente, *, lado: int, max_pixeles: int = MAX_PIXELES, max_memoria: int = MAX_MEMORIA
) -> tuple[Image.Image, bytes | None]:
    """Decode once, as small as ``lado`` allows, upright and in RGB or L; return it and its ICC profile.

    Nothing is decoded if the estimated peak (``memoria_estimada``) is over ``max_memoria``.
    """
    with _errores_de_pillow(max_pixeles):
        imagen = _abrir(fuente, max_pixeles)
        original = imagen.size
        if _formato(imagen) == "JPEG":
            # DCT-domain scaling: a 12 MP photo wanted at 1080 decodes at 1/2 or 1/4.
            imagen.draft(None, tamano_ajustado(*imagen.size, lado))
        _comprobar_memoria(imagen, original, max_memoria)
        icc = imagen.info.get("icc_profile") or None
        imagen.load()
        # In place: an upright image (most of them) is not copied at full size.
        ImageOps.exif_transpose(imagen, in_place=True)
        salida, icc = _a_rgb_o_gris(imagen, icc)
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
    max_memoria: int = MAX_MEMORIA,
    calidad: int = CALIDAD_JPEG,
) -> dict[str, bytes]:
    """Return ``{name: jpeg bytes}`` for each size, fit inside its square, upright, no EXIF.

    The photo is decoded once at the largest size needed; each smaller version is
    resized from the previous one (1080 → 640 → 150), which is both faster and as
    sharp as resizing each from the original with LANCZOS.
    """
    tamanos = dict(sorted((tamanos or TAMANOS).items(), key=lambda par: -par[1]))
    base, icc = decodificar(fuente, lado=max(tamanos.values()), max_pixeles=max_pixeles, max_memoria=max_memoria)
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
        # The base class reads the EXIF that open() found in the header; PNG's own
        # getexif() decodes every pixel to look for an eXIf chunk after them.
        exif = Image.Image.getexif(imagen)
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


def version_para_moderar(
    fuente: Fuente, *, lado: int = 512, max_pixeles: int = MAX_PIXELES, max_memoria: int = MAX_MEMORIA
) -> bytes:
    """Return a small upright JPEG without EXIF to send to the moderation service."""
    imagen, _icc = decodificar(fuente, lado=lado, max_pixeles=max_pixeles, max_memoria=max_memoria)
    destino = tamano_ajustado(*imagen.size, lado)
    if destino != imagen.size:
        imagen = imagen.resize(destino, Image.Resampling.LANCZOS)
    return codificar_jpeg(imagen, None, 80)
