"""Uploads through the real view: bad files are refused before anything is written."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imagenes.models import ImagenUsuario
from pruebas.factories import ProductoFactory, UsuarioFactory

from . import generadores as g


def archivos_guardados() -> list[Path]:
    carpeta = Path(settings.MEDIA_ROOT) / "imagenes"
    return [p for p in carpeta.rglob("*") if p.is_file()] if carpeta.exists() else []


def subir(cliente, datos: bytes, nombre: str = "foto.jpg", tipo: str = "image/jpeg", descripcion: str = "Mi foto"):
    archivo = SimpleUploadedFile(nombre, datos, content_type=tipo)
    return cliente.post("/imagenes/subir/", {"archivo": archivo, "descripcion": descripcion})


@pytest.fixture
def media_limpia():
    antes = set(archivos_guardados())
    yield
    assert set(archivos_guardados()) == antes, "a rejected upload left files in storage"


@pytest.mark.parametrize(
    ("datos", "mensaje"),
    [
        (b"", "está vacío"),
        (g.bomba_png(), "demasiados píxeles"),
        (g.psd(), "no es una imagen JPEG, PNG o WebP"),
        (g.pdf(), "no es una imagen JPEG, PNG o WebP"),
        (g.html(), "no es una imagen JPEG, PNG o WebP"),
        (g.png_y_html(), "El archivo"),
        (g.jpeg_truncado(), "dañado o incompleto"),
    ],
    ids=["cero-bytes", "bomba", "psd", "pdf", "html", "png+html", "truncado"],
)
def test_una_subida_mala_se_rechaza_sin_escribir_nada(cliente, media_limpia, datos, mensaje):
    respuesta = subir(cliente, datos, nombre="vacaciones.jpg")

    assert respuesta.status_code == 400
    errores = respuesta.context["form"].errors["archivo"]
    assert any(mensaje in e for e in errores), errores
    assert mensaje.split("|")[0] in respuesta.content.decode()
    assert ImagenUsuario.objects.count() == 0


def test_una_subida_demasiado_pesada_se_rechaza(cliente, media_limpia, settings):
    datos = g.jpeg_con_gps(800, 600)
    settings.IMAGENES_MAX_BYTES = len(datos) - 1
    respuesta = subir(cliente, datos)
    assert respuesta.status_code == 400
    assert "el máximo es" in respuesta.context["form"].errors["archivo"][0]

    settings.IMAGENES_MAX_BYTES = 1000  # far over: refused before the body is read
    respuesta = subir(cliente, datos + b"\0" * 100_000)
    assert respuesta.status_code == 413
    assert "demasiado grande" in respuesta.content.decode()
    assert ImagenUsuario.objects.count() == 0


def test_una_imagen_buena_se_guarda_en_privado_y_vuelve_al_detalle(cliente, usuaria, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # take the spooled-to-disk path big uploads take
    respuesta = subir(cliente, g.jpeg_con_gps(), nombre="../../etc/passwd.png", descripcion="Atardecer")

    imagen = ImagenUsuario.objects.get()
    assert respuesta.status_code == 302 and respuesta["Location"] == f"/imagenes/{imagen.pk}/"
    assert imagen.usuario == usuaria and imagen.descripcion == "Atardecer"
    assert imagen.estado == ImagenUsuario.Estado.PROCESANDO
    # Named by content type and a random id, under the user's private folder.
    assert imagen.archivo_original.name.startswith(f"imagenes/originales/{usuaria.pk}/")
    assert imagen.archivo_original.name.endswith(".jpg") and "passwd" not in imagen.archivo_original.name
    with imagen.archivo_original.open("rb") as guardado:
        assert guardado.read() == g.jpeg_con_gps()  # stored whole, from the first byte
    pagina = cliente.get(respuesta["Location"])
    assert "Procesando" in pagina.content.decode()
    assert cliente.get(f"/media/{imagen.archivo_original.name}").status_code == 404
    assert cliente.get(f"/imagenes/{imagen.pk}/thumbnail.jpg").status_code == 404  # not made yet


def test_hay_que_entrar_para_subir(client):
    assert client.get("/imagenes/subir/").status_code == 302
    assert client.get("/imagenes/").status_code == 302


def test_las_versiones_solo_las_ve_su_duena(cliente, usuaria, imagen_lista):
    imagen = imagen_lista(usuaria)

    respuesta = cliente.get(f"/imagenes/{imagen.pk}/thumbnail.jpg")
    assert respuesta.status_code == 200 and respuesta["Content-Type"] == "image/jpeg"
    assert b"".join(respuesta.streaming_content)[:2] == b"\xff\xd8"
    estado = cliente.get(f"/imagenes/{imagen.pk}/estado/").json()
    assert estado["estado"] == "lista" and estado["usable"] is True
    assert estado["versiones"]["medium"] == f"/imagenes/{imagen.pk}/medium.jpg"
    assert estado["metadatos"]["camara_modelo"] == "EOS 80D" and "gps" not in repr(estado).lower()
    assert "Lista" in cliente.get("/imagenes/").content.decode()

    curioso = Client()
    curioso.force_login(UsuarioFactory(username="curioso"))
    for url in ("", "estado/", "thumbnail.jpg", "large.jpg"):
        assert curioso.get(f"/imagenes/{imagen.pk}/{url}").status_code == 404


def test_una_vendedora_pone_la_imagen_en_su_producto_y_el_catalogo_la_muestra(
    cliente, usuaria, producto_propio, imagen_lista
):
    imagen = imagen_lista(usuaria)
    ajeno = ProductoFactory(nombre="Producto ajeno")

    detalle = cliente.get(f"/imagenes/{imagen.pk}/").content.decode()
    assert "Taza con foto" in detalle and "Producto ajeno" not in detalle
    respuesta = cliente.post(f"/imagenes/{imagen.pk}/asignar/", {"producto": producto_propio.pk})
    assert respuesta.status_code == 302 and respuesta["Location"] == producto_propio.get_absolute_url()

    producto_propio.refresh_from_db()
    assert producto_propio.imagen.name.startswith("productos/")
    catalogo = cliente.get("/").content.decode()
    assert f'src="{producto_propio.imagen.url}"' in catalogo
    foto = cliente.get(producto_propio.imagen.url)
    assert foto.status_code == 200 and b"".join(foto.streaming_content)[:2] == b"\xff\xd8"

    cliente.post(f"/imagenes/{imagen.pk}/asignar/", {"producto": ajeno.pk})
    ajeno.refresh_from_db()
    assert not ajeno.imagen


def test_una_imagen_en_revision_no_se_puede_poner_en_un_producto(cliente, usuaria, producto_propio, imagen_lista):
    imagen = imagen_lista(usuaria)
    ImagenUsuario.objects.filter(pk=imagen.pk).update(estado=ImagenUsuario.Estado.REVISION)
    respuesta = cliente.post(f"/imagenes/{imagen.pk}/asignar/", {"producto": producto_propio.pk}, follow=True)
    assert "Solo se puede usar una imagen lista" in respuesta.content.decode()
    producto_propio.refresh_from_db()
    assert not producto_propio.imagen


def test_eliminar_borra_la_fila_y_sus_archivos_pero_no_la_copia_del_producto(
    cliente, usuaria, producto_propio, imagen_lista, django_capture_on_commit_callbacks
):
    imagen = imagen_lista(usuaria)
    cliente.post(f"/imagenes/{imagen.pk}/asignar/", {"producto": producto_propio.pk})
    archivos = [imagen.archivo_original.name, *(imagen.archivo(v).name for v in ("thumbnail", "medium", "large"))]

    ajena = Client()
    ajena.force_login(UsuarioFactory(username="ajena"))
    assert ajena.post(f"/imagenes/{imagen.pk}/eliminar/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        respuesta = cliente.post(f"/imagenes/{imagen.pk}/eliminar/")

    assert respuesta.status_code == 302 and respuesta["Location"] == "/imagenes/"
    assert not ImagenUsuario.objects.exists()
    assert not any((Path(settings.MEDIA_ROOT) / nombre).exists() for nombre in archivos)
    producto_propio.refresh_from_db()
    assert (Path(settings.MEDIA_ROOT) / producto_propio.imagen.name).exists()
