"""Real images made with Pillow for the tests: every mode and oddity the issue lists."""

import io
import random
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
    cabecera = struct.pack(">IIBBBBB", lado, lado, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return _png(cabecera, datos)


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


def _png(cabecera: bytes, idat: bytes) -> bytes:
    """Return a PNG file of one IHDR, one IDAT and IEND, with their CRCs."""

    def trozo(tipo: bytes, contenido: bytes) -> bytes:
        return struct.pack(">I", len(contenido)) + tipo + contenido + struct.pack(">I", zlib.crc32(tipo + contenido))

    return b"\x89PNG\r\n\x1a\n" + trozo(b"IHDR", cabecera) + trozo(b"IDAT", idat) + trozo(b"IEND", b"")


def bomba_webp(lado: int = 6320) -> bytes:
    """The issue's WebP: lossless, ``lado``×``lado`` (40 MP at 6320), in 28 bytes.

    A VP8L bitstream whose five prefix codes each have one symbol costs zero bits per
    pixel: libwebp decodes 40 million of them from a header. (Pillow's own encoder, with
    libwebp 1.6, makes the same picture in 1.6 KB: ``bomba_webp_pillow``.)
    """
    bits: list[int] = []

    def poner(valor: int, n: int) -> None:
        bits.extend((valor >> i) & 1 for i in range(n))

    poner(0x2F, 8)  # signature
    poner(lado - 1, 14)
    poner(lado - 1, 14)
    poner(0, 1)  # no alpha
    poner(0, 3)  # version 0
    poner(0, 3)  # no transform, no colour cache, no meta prefix codes
    for _ in range(5):  # green, red, blue, alpha, distance: a "simple" code of one 1-bit symbol, 0
        poner(0b0001, 4)
    bits.extend([0] * (-len(bits) % 8))
    datos = bytes(sum(b << i for i, b in enumerate(bits[k : k + 8])) for k in range(0, len(bits), 8))
    datos += b"\0" * (len(datos) % 2)
    trozo = b"VP8L" + struct.pack("<I", len(datos)) + datos
    return b"RIFF" + struct.pack("<I", 4 + len(trozo)) + b"WEBP" + trozo


def bomba_webp_pillow(lado: int = 6320) -> bytes:
    return guardar(Image.new("L", (lado, lado)), "WEBP", lossless=True, quality=100, method=6)


def bomba_png_rgb(ancho: int = 6000, alto: int = 6000, filas_con_ruido: int = 2) -> bytes:
    """A flat RGB PNG of ``ancho``×``alto`` whose first rows are noise: 156 KB at the defaults.

    Written row by row, so making it never holds the 108 MB of pixels it declares.
    """
    rng = random.Random(14)
    compresor = zlib.compressobj(9)
    plana = b"\x00" + b"\xf0" * (3 * ancho)
    partes = [
        compresor.compress(b"\x00" + rng.randbytes(3 * ancho) if y < filas_con_ruido else plana) for y in range(alto)
    ]
    partes.append(compresor.flush())
    cabecera = struct.pack(">IIBBBBB", ancho, alto, 8, 2, 0, 0, 0)  # 8-bit RGB
    return _png(cabecera, b"".join(partes))


def heic(ancho: int = 640, alto: int = 480) -> bytes:
    """A real HEIC photo, encoded by libheif through pillow-heif."""
    return guardar(foto(ancho, alto), "HEIF", quality=80)
