"""The filters an uploader may pick, applied by the chord to every version (never to the original)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageEnhance, ImageOps


def _blanco_y_negro(imagen: Image.Image) -> Image.Image:
    return ImageOps.grayscale(imagen)


def _sepia(imagen: Image.Image) -> Image.Image:
    # The grey levels mapped from a dark brown to a cream: the classic toned print.
    return ImageOps.colorize(ImageOps.grayscale(imagen), black=(40, 26, 13), white=(255, 240, 192), mid=(162, 128, 86))


def _autocontraste(imagen: Image.Image) -> Image.Image:
    # 1 % cut at each end: one stray black or white pixel does not stop the stretch.
    return ImageOps.autocontrast(imagen, cutoff=1)


def _calido(imagen: Image.Image) -> Image.Image:
    if imagen.mode != "RGB":
        imagen = imagen.convert("RGB")
    rojo, verde, azul = imagen.split()
    rojo = rojo.point(lambda v: min(255, round(v * 1.08 + 8)))
    azul = azul.point(lambda v: round(v * 0.88))
    return ImageEnhance.Color(Image.merge("RGB", (rojo, verde, azul))).enhance(1.1)


FILTROS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "blanco_y_negro": _blanco_y_negro,
    "sepia": _sepia,
    "autocontraste": _autocontraste,
    "calido": _calido,
}


def aplicar_filtro(imagen: Image.Image, filtro: str) -> Image.Image:
    """Return ``imagen`` (RGB or L) with ``filtro`` applied; "" returns it as is.

    Raise ``ValueError`` for an unknown filter name.
    """
    if not filtro:
        return imagen
    try:
        return FILTROS[filtro](imagen)
    except KeyError:
        raise ValueError(f"Filtro desconocido: {filtro!r}") from None
