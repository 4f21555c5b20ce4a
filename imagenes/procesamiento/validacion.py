"""The web request's check of an upload: headers and compressed bytes only, never a pixel decoded."""

from __future__ import annotations

import io
from typing import BinaryIO

from .base import (
    MAX_PIXELES,
    MAX_PIXELES_POR_BYTE,
    PIXELES_LIBRES,
    Fuente,
    ImagenInvalida,
    InfoImagen,
    _abrir,
    _errores_de_pillow,
    _formato,
)


def validar(
    fuente: Fuente,
    *,
    max_pixeles: int = MAX_PIXELES,
    max_pixeles_por_byte: int = MAX_PIXELES_POR_BYTE,
    pixeles_libres: int = PIXELES_LIBRES,
) -> InfoImagen:
    """Check that ``fuente`` is a whole JPEG/PNG/WebP/HEIF within the limits; return its facts.

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
        elif info.formato == "HEIF" and not _heif_completo(archivo):
            raise ImagenInvalida("El archivo de imagen está dañado o incompleto.")
        # A cut-off WebP never gets here: libwebp's demuxer refuses it in Image.open.
    return info


def _heif_completo(archivo: BinaryIO) -> bool:
    """Return whether the file's top-level boxes (ISO BMFF: ftyp, meta, mdat…) fill it exactly.

    Each box starts with its 32-bit size (1: a 64-bit size follows its type; 0: to the
    end of the file), so walking them reads 8–16 bytes per box. libheif opens a file
    whose ``mdat`` (the coded picture, usually last) was cut off, and only the decode
    would fail; here a box running past the end shows it.
    """
    archivo.seek(0, io.SEEK_END)
    fin = archivo.tell()
    posicion = 0
    while posicion < fin:
        archivo.seek(posicion)
        cabecera = archivo.read(8)
        if len(cabecera) < 8:
            return False
        largo = int.from_bytes(cabecera[:4], "big")
        if largo == 1:
            extendido = archivo.read(8)
            if len(extendido) < 8:
                return False
            largo = int.from_bytes(extendido, "big")
            minimo = 16
        else:
            minimo = 8
        if largo == 0:
            return True  # the last box runs to the end of the file
        if largo < minimo or posicion + largo > fin:
            return False
        posicion += largo
    return True


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
