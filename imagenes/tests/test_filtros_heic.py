"""Filters on every version (never on the original), and HEIC photos checked like the others before decoding."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageStat

from imagenes import procesamiento, services
from imagenes.models import ImagenUsuario

from . import generadores as g


def _abrir(datos: bytes) -> Image.Image:
    return Image.open(io.BytesIO(datos))


def _gris(imagen: Image.Image) -> bool:
    rgb = imagen.convert("RGB")
    return max(max(abs(r - v), abs(v - a)) for r, v, a in rgb.get_flattened_data()) <= 2


@pytest.mark.parametrize("filtro", list(procesamiento.FILTROS))
def test_cada_filtro_cambia_cada_version(filtro):
    original = g.guardar(g.foto(1600, 1200), "JPEG", quality=90)
    sin = procesamiento.generar_versiones(original)
    con = procesamiento.generar_versiones(original, filtro=filtro)
    for version, lado in procesamiento.TAMANOS.items():
        a, b = _abrir(sin[version]), _abrir(con[version])
        assert b.size == a.size and max(b.size) == lado
        assert ImageStat.Stat(a.convert("RGB")).mean != ImageStat.Stat(b.convert("RGB")).mean
    if filtro == "blanco_y_negro":
        assert all(_abrir(datos).mode == "L" for datos in con.values())
    if filtro == "sepia":
        r, v, a = ImageStat.Stat(_abrir(con["medium"])).mean
        assert r > v > a  # brown tones
    if filtro == "calido":
        r0, _, a0 = ImageStat.Stat(_abrir(sin["medium"])).mean
        r1, _, a1 = ImageStat.Stat(_abrir(con["medium"])).mean
        assert r1 > r0 and a1 < a0


def test_filtro_desconocido():
    with pytest.raises(ValueError, match="Filtro desconocido"):
        procesamiento.aplicar_filtro(g.foto(10, 10), "psicodelico")


@pytest.mark.django_db
def test_el_original_queda_sin_filtro(settings):
    from pruebas.factories import UsuarioFactory

    original = g.guardar(g.foto(800, 600), "JPEG", quality=90)
    imagen = services.crear_imagen(
        usuario=UsuarioFactory(username="filtrista"),
        archivo=SimpleUploadedFile("f.jpg", original),
        descripcion="",
        formato="JPEG",
        filtro="blanco_y_negro",
    )
    services.generar_thumbnails(imagen_id=imagen.pk)
    imagen.refresh_from_db()
    with imagen.archivo_original.open("rb") as f:
        assert f.read() == original
    with imagen.archivo_medium.open("rb") as f:
        assert _gris(_abrir(f.read()))
    with pytest.raises(services.ErrorImagen):
        services.crear_imagen(
            usuario=imagen.usuario,
            archivo=SimpleUploadedFile("f.jpg", original),
            descripcion="",
            formato="JPEG",
            filtro="x",
        )
    assert ImagenUsuario.objects.count() == 1


def test_heic_real_se_valida_por_cabecera_y_se_procesa():
    datos = g.heic(640, 480)
    info = procesamiento.validar(datos)
    assert (info.formato, info.ancho, info.alto) == ("HEIF", 640, 480)
    versiones = procesamiento.generar_versiones(datos, filtro="sepia")
    assert _abrir(versiones["medium"]).format == "JPEG" and _abrir(versiones["medium"]).size == (640, 480)
    assert procesamiento.leer_metadatos(datos)["formato"] == "HEIF"


def test_heic_danado_o_bomba_se_rechaza_antes_de_decodificar():
    datos = g.heic(640, 480)
    with pytest.raises(procesamiento.ImagenInvalida):
        procesamiento.validar(datos[: len(datos) // 2])
    grande = g.heic(2000, 1500)
    with pytest.raises(procesamiento.ImagenInvalida, match="demasiados píxeles"):
        procesamiento.validar(grande, max_pixeles=1_000_000)
    # Pixels per byte from the header, as for the other formats.
    with pytest.raises(procesamiento.ImagenInvalida, match="pesa solo"):
        procesamiento.validar(grande, max_pixeles_por_byte=1, pixeles_libres=1000)


@pytest.mark.django_db
def test_subir_heic_por_la_vista(client):
    from pruebas.factories import UsuarioFactory

    client.force_login(UsuarioFactory(username="con_iphone"))
    archivo = SimpleUploadedFile("IMG_0001.HEIC", g.heic(), content_type="image/heic")
    respuesta = client.post("/imagenes/subir/", {"archivo": archivo, "filtro": "calido"})
    assert respuesta.status_code == 302
    imagen = ImagenUsuario.objects.get()
    assert imagen.archivo_original.name.endswith(".heic") and imagen.filtro == "calido"
