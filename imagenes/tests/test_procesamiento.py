"""imagenes/procesamiento/ on real images the tests make with Pillow (no Django, no DB)."""

import io

import pytest
from PIL import ExifTags, Image, ImageFile, WebPImagePlugin

from imagenes import procesamiento

from . import generadores as g


def abrir(datos: bytes) -> Image.Image:
    imagen = Image.open(io.BytesIO(datos))
    imagen.load()
    return imagen


def sin_exif(imagen: Image.Image) -> bool:
    return not imagen.getexif() and "exif" not in imagen.info and not imagen.getexif().get_ifd(0x8825)


@pytest.mark.parametrize(
    ("datos", "original"),
    [
        (g.jpeg_con_gps(1600, 1200), (1600, 1200)),
        (g.png_rgba(), (800, 600)),
        (g.png_paleta(), (700, 500)),
        (g.jpeg_cmyk(), (1200, 900)),
        (g.png_16_bits(), (640, 480)),
        (g.webp(), (900, 600)),
        (g.guardar(g.foto(300, 2000), "JPEG"), (300, 2000)),
        (g.guardar(g.foto(100, 80), "PNG"), (100, 80)),
    ],
    ids=["rgb-gps", "rgba-png", "palette", "cmyk", "16-bit", "webp", "tall", "tiny"],
)
def test_versiones_caben_en_su_lado_sin_exif_y_en_jpeg(datos, original):
    versiones = procesamiento.generar_versiones(datos)

    assert list(versiones) == ["large", "medium", "thumbnail"]
    for nombre, lado in procesamiento.TAMANOS.items():
        imagen = abrir(versiones[nombre])
        assert imagen.format == "JPEG" and imagen.mode in ("RGB", "L")
        esperado = procesamiento.tamano_ajustado(*original, lado)
        assert max(imagen.size) <= lado
        assert abs(imagen.size[0] - esperado[0]) <= 1 and abs(imagen.size[1] - esperado[1]) <= 1
        assert sin_exif(imagen)
        assert b"Exif" not in versiones[nombre][:4096]


def test_ningun_gps_ni_exif_pero_si_el_perfil_de_color():
    versiones = procesamiento.generar_versiones(g.jpeg_con_gps())
    for datos in versiones.values():
        imagen = abrir(datos)
        assert sin_exif(imagen)
        assert imagen.info.get("icc_profile") == g.SRGB


def test_los_16_bits_no_salen_blancos_y_la_transparencia_va_sobre_blanco():
    datos = g.png_16_bits()
    fuente = abrir(datos)
    assert fuente.mode == "I;16" and fuente.getpixel((10, 10)) > 10_000
    gris = abrir(procesamiento.generar_versiones(datos)["large"])
    assert abs(gris.getpixel((10, 10)) - fuente.getpixel((10, 10)) // 256) <= 3  # scaled, not clipped to 255
    assert gris.getpixel((600, 400)) <= 3
    rgba = abrir(procesamiento.generar_versiones(g.png_rgba())["large"]).convert("RGB")
    r, gg, b = rgba.getpixel((700, 500))  # half-transparent blue on white
    assert b > 240 and r > 110 and gg > 110


def _color(imagen: Image.Image, x: float, y: float) -> str:
    r, _, b = imagen.convert("RGB").getpixel((int(x * imagen.width), int(y * imagen.height)))
    return "rojo" if r > 200 and b < 60 else "azul" if b > 200 and r < 60 else "?"


@pytest.mark.parametrize(
    ("orientacion", "rojo_en"),
    # The red quadrant is the stored top-left; after the rotation the EXIF asks for:
    [(None, (0.1, 0.1)), (6, (0.9, 0.1)), (8, (0.1, 0.9)), (3, (0.9, 0.9))],
)
def test_la_orientacion_exif_se_aplica(orientacion, rojo_en):
    datos = g.jpeg_con_gps(1600, 1200, orientacion=orientacion)
    girada = orientacion in (6, 8)
    versiones = procesamiento.generar_versiones(datos)
    for nombre, lado in procesamiento.TAMANOS.items():
        imagen = abrir(versiones[nombre])
        assert (imagen.height > imagen.width) == girada
        assert max(imagen.size) == lado
        assert _color(imagen, *rojo_en) == "rojo"
        assert _color(imagen, 1 - rojo_en[0], 1 - rojo_en[1]) == "azul"
        assert ExifTags.Base.Orientation not in imagen.getexif()


def test_metadatos_utiles_y_nunca_gps():
    metadatos = procesamiento.leer_metadatos(g.jpeg_con_gps(1600, 1200, orientacion=6))

    assert metadatos["camara_marca"] == "Canon" and metadatos["camara_modelo"] == "EOS 80D"
    assert metadatos["fecha_toma"] == "2026:04:30 18:45:12"
    assert (metadatos["ancho"], metadatos["alto"]) == (1200, 1600)  # as shown, after orientation
    assert metadatos["formato"] == "JPEG"
    texto = repr(metadatos).lower()
    assert "gps" not in texto and "19.0" not in texto and "99.0" not in texto
    assert procesamiento.leer_metadatos(g.png_rgba())["formato"] == "PNG"


def test_el_jpeg_se_decodifica_reducido_con_draft():
    grande = g.guardar(g.foto(4000, 3000), "JPEG", quality=85)
    base, _icc = procesamiento.decodificar(grande, lado=1080)
    assert base.size == (2000, 1500)  # 1/2 scale DCT decode, still >= 1080 for the cascade
    assert abrir(procesamiento.generar_versiones(grande)["large"]).size == (1080, 810)


@pytest.mark.parametrize(
    ("datos", "mensaje"),
    [
        (b"", "no es una imagen"),
        (g.html(), "no es una imagen"),
        (g.pdf(), "no es una imagen"),
        (g.psd(), "no es una imagen"),
        (g.png_y_html(), "no es una imagen|dañado"),
        (g.guardar(g.foto(64, 64), "GIF"), "no es una imagen"),
        (g.guardar(g.foto(64, 64), "BMP"), "no es una imagen"),
        (g.jpeg_truncado(), "dañado o incompleto"),
        (g.bomba_png(), "demasiados píxeles"),
    ],
    ids=["vacio", "html", "pdf", "psd", "png+html", "gif", "bmp", "truncado", "bomba"],
)
def test_validar_rechaza_lo_que_no_es_una_imagen_entera(datos, mensaje):
    with pytest.raises(procesamiento.ImagenInvalida, match=mensaje):
        procesamiento.validar(datos, max_pixeles=40_000_000)


def test_validar_acepta_y_describe():
    info = procesamiento.validar(g.webp())
    assert (info.formato, info.ancho, info.alto) == ("WEBP", 900, 600)


def test_los_avisos_de_bomba_de_pillow_son_errores(monkeypatch):
    # Above Pillow's own MAX_IMAGE_PIXELS it only warns; we make that an error.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(procesamiento.ImagenInvalida, match="demasiados píxeles"):
        procesamiento.validar(g.guardar(g.foto(1200, 1000), "PNG"), max_pixeles=10**9)


def test_un_archivo_venenoso_no_llega_a_las_versiones():
    for malo in (g.jpeg_truncado(), g.png_y_html(), g.bomba_png()):
        with pytest.raises(procesamiento.ImagenInvalida):
            procesamiento.generar_versiones(malo)


def test_un_jpeg_multiimagen_de_telefono_cuenta_como_jpeg():
    salida = io.BytesIO()
    g.foto(800, 600).save(salida, "MPO", save_all=True, append_images=[g.foto(800, 600)])
    assert procesamiento.validar(salida.getvalue()).formato == "JPEG"
    assert procesamiento.leer_metadatos(salida.getvalue())["formato"] == "JPEG"
    assert abrir(procesamiento.generar_versiones(salida.getvalue())["medium"]).size == (640, 480)


def test_validar_no_decodifica_ni_un_pixel(monkeypatch):
    """The web request runs ``validar``: it must read headers and compressed bytes only."""

    def prohibido(self, *args, **kwargs):
        raise AssertionError("validar decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", prohibido)
    monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "load", prohibido)
    apng = g.guardar(g.foto(300, 200), "PNG", save_all=True, append_images=[g.foto(300, 200).rotate(90)])
    for datos in (g.jpeg_con_gps(), g.jpeg_cmyk(), g.png_rgba(), g.png_16_bits(), g.webp(), apng):
        procesamiento.validar(datos)
    assert procesamiento.validar(apng).fotogramas == 2
    for bomba in (g.bomba_webp(), g.bomba_png_rgb()):
        with pytest.raises(procesamiento.ImagenInvalida):
            procesamiento.validar(bomba)


@pytest.mark.parametrize(
    "datos",
    [g.bomba_webp(), g.bomba_webp_pillow(), g.bomba_png_rgb()],
    ids=["webp-28-bytes", "webp-pillow", "png-156-kb"],
)
def test_validar_rechaza_lo_que_declara_mas_pixeles_de_los_que_pesa(datos):
    with pytest.raises(procesamiento.ImagenInvalida, match="no parece una foto"):
        procesamiento.validar(datos)


def test_las_imagenes_planas_razonables_y_todo_jpeg_pasan():
    plana = Image.new("RGB", (4000, 3000), (255, 255, 255))  # 12 MP of one colour: 42 KB as PNG
    assert procesamiento.validar(g.guardar(plana, "PNG", optimize=True)).ancho == 4000
    plana = Image.new("RGB", (6000, 4000), (255, 255, 255))  # the flattest JPEG there is: 64 px/byte
    assert procesamiento.validar(g.guardar(plana, "JPEG", quality=85)).ancho == 6000


def test_un_png_o_webp_cortado_se_rechaza_sin_decodificar():
    for datos in (g.guardar(g.foto(900, 600), "PNG"), g.webp()):
        with pytest.raises(procesamiento.ImagenInvalida, match="dañado|no es una imagen"):
            procesamiento.validar(datos[: len(datos) // 2])


def test_el_worker_no_decodifica_lo_que_no_cabe_en_su_memoria():
    # 900×600 RGB PNG: ~4.9 MB estimated, so a 4 MB budget refuses it before decoding.
    datos = g.guardar(g.foto(900, 600), "PNG")
    with pytest.raises(procesamiento.ImagenInvalida, match="demasiado grande para procesarla"):
        procesamiento.generar_versiones(datos, max_memoria=4 * 1024 * 1024)
    assert procesamiento.generar_versiones(datos, max_memoria=6 * 1024 * 1024)
    with pytest.raises(procesamiento.ImagenInvalida, match="demasiado grande"):
        procesamiento.generar_versiones(g.bomba_webp())  # 40 MP WebP: ~720 MB, over the default 512 MB
