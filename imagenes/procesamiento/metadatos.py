"""What a user may see of a photo, read from its header: never GPS."""

from __future__ import annotations

from PIL import ExifTags, Image

from .base import MAX_PIXELES, Fuente, _abrir, _errores_de_pillow, _formato

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
