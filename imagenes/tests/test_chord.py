"""The image chord end to end: the upload view, on-commit dispatch, a real Celery worker,
the Redis result backend joining the chord, and the uploader's WebSocket."""

import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.utils import timezone
from PIL import Image
from werkzeug import Response

from imagenes import tasks
from imagenes.models import ImagenUsuario
from notificaciones.models import Notificacion
from pruebas.factories import ImagenUsuarioFactory
from pruebas.procesos import esperar, ping

from . import generadores as g

pytestmark = pytest.mark.django_db(transaction=True)

SEGURO = {"seguro": True, "confianza": 0.97, "categorias": []}


def moderacion_segura(httpserver):
    httpserver.expect_request("/moderar", method="POST").respond_with_json(SEGURO)


async def recibir_hasta(comunicador, tipo: str, timeout: float = 45) -> dict:
    """Return the first message of ``tipo``, skipping others (connection_established, replays)."""
    import asyncio

    limite = asyncio.get_running_loop().time() + timeout
    while True:
        restante = limite - asyncio.get_running_loop().time()
        assert restante > 0, f"no {tipo} message within {timeout}s"
        mensaje = json.loads(await comunicador.receive_from(timeout=restante))
        if mensaje["type"] == tipo:
            return mensaje


async def test_subir_procesar_y_avisar_por_websocket(celery_worker, httpserver, cliente, usuaria):
    from myproject.asgi import application

    moderacion_segura(httpserver)
    sesion = cliente.cookies["sessionid"].value
    comunicador = WebsocketCommunicator(
        application,
        "/ws/notificaciones/",
        headers=[(b"cookie", f"sessionid={sesion}".encode()), (b"origin", b"http://localhost")],
    )
    conectado, _ = await comunicador.connect(timeout=10)
    assert conectado
    await recibir_hasta(comunicador, "connection_established", timeout=10)

    archivo = SimpleUploadedFile("playa.jpg", g.jpeg_con_gps(2400, 1800, orientacion=6), content_type="image/jpeg")
    respuesta = await sync_to_async(cliente.post)("/imagenes/subir/", {"archivo": archivo, "descripcion": "Playa"})
    assert respuesta.status_code == 302
    imagen = await ImagenUsuario.objects.aget(usuario=usuaria)

    mensaje = await recibir_hasta(comunicador, "imagen_procesada")
    await comunicador.disconnect()

    assert mensaje["imagen_id"] == imagen.pk
    assert mensaje["url_thumbnail"] == f"/imagenes/{imagen.pk}/thumbnail.jpg"
    assert mensaje["estado"] == "lista" and mensaje["titulo"] == "Tu imagen está lista"
    await imagen.arefresh_from_db()
    assert imagen.estado == "lista" and imagen.error == ""
    for version, lado in {"thumbnail": 150, "medium": 640, "large": 1080}.items():
        with imagen.archivo(version).open("rb") as f:
            salida = Image.open(io.BytesIO(f.read()))
        assert salida.format == "JPEG" and salida.size == (round(lado * 3 / 4), lado)  # portrait after EXIF 6
        assert not salida.getexif()
    assert imagen.metadatos["camara_modelo"] == "EOS 80D" and imagen.metadatos["ancho"] == 1800
    assert "gps" not in json.dumps(imagen.metadatos).lower()
    assert imagen.contenido_seguro is True and imagen.confianza_analisis == 0.97
    assert await Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").acount() == 1

    estado = (await sync_to_async(cliente.get)(f"/imagenes/{imagen.pk}/estado/")).json()
    assert estado["terminada"] and estado["versiones"]["large"] == f"/imagenes/{imagen.pk}/large.jpg"
    # The ORM ran in asgiref's executor thread; close its connection so the test DB can be dropped.
    await sync_to_async(connections.close_all)()


def _imagen_cruda(usuaria, datos: bytes, nombre: str = "original.jpg") -> ImagenUsuario:
    """Store a file WITHOUT the form's checks, as if a bad file had slipped through."""
    imagen = ImagenUsuario(usuario=usuaria)
    imagen.archivo_original.save(nombre, ContentFile(datos), save=False)
    with transaction.atomic():
        imagen.save()
        transaction.on_commit(lambda: tasks.procesar_imagen_subida.delay(imagen.pk), robust=True)
    return imagen


def _terminada(imagen_id: int) -> ImagenUsuario:
    return esperar(
        lambda: ImagenUsuario.objects.exclude(estado="procesando").filter(pk=imagen_id).first(),
        timeout=40,
        mensaje=f"image {imagen_id} to finish",
    )


@pytest.mark.parametrize(
    "datos", [g.jpeg_truncado(), g.png_y_html(), g.bomba_png(), b""], ids=["truncado", "png+html", "bomba", "vacio"]
)
def test_un_archivo_venenoso_en_el_worker_falla_una_vez_sin_tumbarlo(celery_worker, httpserver, usuaria, datos):
    moderacion_segura(httpserver)
    imagen = _terminada(_imagen_cruda(usuaria, datos).pk)

    assert imagen.estado == "fallida"
    assert imagen.error and (
        "dañado" in imagen.error or "no es una imagen" in imagen.error or "píxeles" in imagen.error
    )
    assert not imagen.archivo_thumbnail
    assert len(httpserver.log) == 0  # never sent to moderation
    [aviso] = Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada")
    assert aviso.datos == {"imagen_id": imagen.pk, "url_thumbnail": None, "estado": "fallida"}
    assert celery_worker.poll() is None and ping(timeout=2)

    # The worker goes on with the next, good image.
    buena = _terminada(_imagen_cruda(usuaria, g.webp(), "original.webp").pk)
    assert buena.estado == "lista"


def test_finalizar_dos_veces_avisa_una_sola(celery_worker, httpserver, usuaria):
    moderacion_segura(httpserver)
    imagen = _terminada(_imagen_cruda(usuaria, g.png_paleta(), "original.png").pk)
    assert imagen.estado == "lista"

    # A redelivered callback and a redelivered start change nothing and tell no one again.
    tasks.finalizar_procesamiento.apply_async(([], imagen.pk)).get(timeout=20)
    tasks.procesar_imagen_subida.apply_async((imagen.pk,)).get(timeout=20)
    assert Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").count() == 1


def test_el_barrido_falla_las_atascadas_y_avisa(celery_worker, usuaria):
    atascada = ImagenUsuarioFactory(usuario=usuaria, archivo_original="imagenes/originales/perdida.jpg")
    reciente = ImagenUsuarioFactory(usuario=usuaria, archivo_original="imagenes/originales/nueva.jpg")
    ImagenUsuario.objects.filter(pk=atascada.pk).update(creada=timezone.now() - timedelta(hours=1))

    assert tasks.barrer_imagenes_atascadas.apply_async().get(timeout=20) == 1

    atascada.refresh_from_db()
    reciente.refresh_from_db()
    assert atascada.estado == "fallida" and "tardó demasiado" in atascada.error
    assert reciente.estado == "procesando"
    assert Notificacion.objects.get(usuario=usuaria).datos["estado"] == "fallida"


def test_si_una_tarea_del_chord_revienta_la_imagen_falla(celery_worker, usuaria):
    # A row whose original vanished from storage: generar_thumbnails raises an unexpected
    # FileNotFoundError; the chord's errback fails the image instead of leaving it processing.
    imagen = ImagenUsuarioFactory(usuario=usuaria, archivo_original="imagenes/originales/no-existe.jpg")
    transaction.on_commit(lambda: tasks.procesar_imagen_subida.delay(imagen.pk), robust=True)
    imagen = _terminada(imagen.pk)
    assert imagen.estado == "fallida" and imagen.error


def test_moderacion_que_responde_basura_html(celery_worker, httpserver, usuaria):
    httpserver.expect_request("/moderar").respond_with_response(Response("<html>502</html>", status=200))
    imagen = _terminada(_imagen_cruda(usuaria, g.jpeg_cmyk()).pk)
    assert imagen.estado == "revision" and len(httpserver.log) == 3
