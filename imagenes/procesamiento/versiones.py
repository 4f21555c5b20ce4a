"""The worker's decode, within a memory budget estimated from the header, and the JPEG versions."""

from __future__ import annotations

import io

from PIL import Image, ImageCms, ImageFile, ImageOps

from .base import (
    CALIDAD_JPEG,
    MAX_MEMORIA,
    MAX_PIXELES,
    TAMANOS,
    Fuente,
    ImagenInvalida,
    _abrir,
    _errores_de_pillow,
    _formato,
)
from .filtros import aplicar_filtro

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
# HEIF: libheif's decoded planes, its interleaved RGB(A) copy and Pillow's image; not
# measured like the others: rounded up from WebP's, the nearest decoder in shape.
_BYTES_HEIF = 18
_BYTES_PNG_OTRO = 16  # [13.0] RGBA, LA: a white background is pasted under an RGBA copy


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
    if formato == "HEIF":
        return pixeles * _BYTES_HEIF
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
    filtro: str = "",
) -> dict[str, bytes]:
    """Return ``{name: jpeg bytes}`` for each size, fit inside its square, upright, no EXIF.

    ``filtro`` (a name of ``filtros.FILTROS``, or "" for none) is applied once to the
    decoded photo, so every version carries it.

    The photo is decoded once at the largest size needed; each smaller version is
    resized from the previous one (1080 → 640 → 150), which is both faster and as
    sharp as resizing each from the original with LANCZOS.
    """
    tamanos = dict(sorted((tamanos or TAMANOS).items(), key=lambda par: -par[1]))
    base, icc = decodificar(fuente, lado=max(tamanos.values()), max_pixeles=max_pixeles, max_memoria=max_memoria)
    if filtro:
        base = aplicar_filtro(base, filtro)
        if icc and _espacio_icc(icc) != ("GRAY" if base.mode == "L" else "RGB"):
            icc = None  # black and white out of a colour photo: its RGB profile no longer fits
    versiones: dict[str, bytes] = {}
    actual = base
    for nombre, lado in tamanos.items():
        destino = tamano_ajustado(*actual.size, lado)
        if destino != actual.size:
            actual = actual.resize(destino, Image.Resampling.LANCZOS)
        versiones[nombre] = codificar_jpeg(actual, icc, calidad)
    return versiones


def version_para_moderar(
    fuente: Fuente, *, lado: int = 512, max_pixeles: int = MAX_PIXELES, max_memoria: int = MAX_MEMORIA
) -> bytes:
    """Return a small upright JPEG without EXIF to send to the moderation service."""
    imagen, _icc = decodificar(fuente, lado=lado, max_pixeles=max_pixeles, max_memoria=max_memoria)
    destino = tamano_ajustado(*imagen.size, lado)
    if destino != imagen.size:
        imagen = imagen.resize(destino, Image.Resampling.LANCZOS)
    return codificar_jpeg(imagen, None, 80)
