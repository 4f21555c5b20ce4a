"""Real images made with Pillow for the tests: every mode and oddity the issue lists."""

import io
import struct
import zlib

from PIL import Image, ImageCms, ImageDraw

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def guardar(imagen: Image.Image, formato: str, **opciones) -> bytes:
    salida = io.BytesIO()
    imagen.save(salida, formato, **opciones)
    return salida.getvalue()


def foto(ancho: int = 1600, alto: int = 1200, modo: str = "RGB") -> Image.Image:
    """An image whose top-left quadrant is red and the rest blue: orientation is visible."""
    imagen = Image.new("RGB", (ancho, alto), (0, 0, 255))
    ImageDraw.Draw(imagen).rectangle([0, 0, ancho // 2, alto // 2], fill=(255, 0, 0))
    return imagen.convert(modo) if modo != "RGB" else imagen


def exif_con_gps(orientacion: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 80D"  # Model
    exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
    if orientacion:
        exif[0x0112] = orientacion
    exif.get_ifd(0x8769)[0x9003] = "2026:04:30 18:45:12"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (19.0, 25.0, 58.0)
    gps[3] = "W"
    gps[4] = (99.0, 7.0, 59.0)
    return exif


def jpeg_con_gps(ancho: int = 1600, alto: int = 1200, orientacion: int | None = None) -> bytes:
    return guardar(foto(ancho, alto), "JPEG", quality=90, exif=exif_con_gps(orientacion), icc_profile=SRGB)


def png_rgba() -> bytes:
    imagen = foto(800, 600).convert("RGBA")
    imagen.putalpha(128)
    return guardar(imagen, "PNG")


def png_paleta() -> bytes:
    imagen = foto(700, 500).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return guardar(imagen, "PNG", transparency=0)


def jpeg_cmyk() -> bytes:
    return guardar(foto(1200, 900, "CMYK"), "JPEG", quality=90)


def png_16_bits() -> bytes:
    imagen = Image.new("I;16", (640, 480))
    imagen.paste(40000, (0, 0, 320, 240))
    return guardar(imagen, "PNG")


def webp() -> bytes:
    return guardar(foto(900, 600), "WEBP", quality=80)


def bomba_png(lado: int = 7_000) -> bytes:
    """A tiny PNG that declares ``lado``×``lado`` pixels of one colour (a decompression bomb)."""
    fila = b"\x00" + b"\x00" * lado
    datos = zlib.compress(fila * lado, 9)

    def trozo(tipo: bytes, contenido: bytes) -> bytes:
        return struct.pack(">I", len(contenido)) + tipo + contenido + struct.pack(">I", zlib.crc32(tipo + contenido))

    cabecera = struct.pack(">IIBBBBB", lado, lado, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + trozo(b"IHDR", cabecera) + trozo(b"IDAT", datos) + trozo(b"IEND", b"")


def psd() -> bytes:
    return b"8BPS\x00\x01" + b"\x00" * 6 + struct.pack(">HIIHH", 3, 100, 100, 8, 3) + b"\x00" * 200


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def png_y_html() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + html()


def jpeg_truncado() -> bytes:
    datos = guardar(foto(1200, 900), "JPEG", quality=90)
    return datos[: len(datos) // 2]
