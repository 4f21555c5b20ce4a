"""Photos from the seller's product form through the real chord (worker, Redis, moderation
service), live to the seller, then public on the product's page with the chosen filter."""

import io
import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from imagenes.models import ImagenUsuario

from . import generadores as g
from .test_chord import moderacion_segura, recibir_hasta

pytestmark = pytest.mark.django_db(transaction=True)


async def test_fotos_con_filtro_desde_el_formulario_del_producto(celery_worker, httpserver, cliente, producto_propio):
    from myproject.asgi import application

    moderacion_segura(httpserver)
    sesion = cliente.cookies["sessionid"].value
    comunicador = WebsocketCommunicator(
        application,
        "/ws/notificaciones/",
        headers=[(b"cookie", f"sessionid={sesion}".encode()), (b"origin", b"http://localhost")],
    )
    assert (await comunicador.connect(timeout=10))[0]
    await recibir_hasta(comunicador, "connection_established", timeout=10)

    fotos = [
        SimpleUploadedFile("frente.jpg", g.jpeg_con_gps(1600, 1200), content_type="image/jpeg"),
        SimpleUploadedFile("lado.heic", g.heic(800, 600), content_type="image/heic"),
    ]
    url = f"/vendedor/productos/{producto_propio.pk}/fotos/"
    respuesta = await sync_to_async(cliente.post)(url, {"fotos": fotos, "filtro": "blanco_y_negro"})
    assert respuesta.status_code == 302
    edicion = (await sync_to_async(cliente.get)(f"/vendedor/productos/{producto_propio.pk}/editar/")).content.decode()
    assert edicion.count('<li data-imagen="') == 2  # listed at once, each with its state (racing the worker)

    avisos = [await recibir_hasta(comunicador, "imagen_procesada") for _ in range(2)]
    await comunicador.disconnect()
    assert {a["estado"] for a in avisos} == {"lista"}

    # Public now: an anonymous shopper sees both on the product page, filtered.
    anonimo = Client()
    pagina = (await sync_to_async(anonimo.get)(producto_propio.get_absolute_url())).content.decode()
    imagenes = [i async for i in ImagenUsuario.objects.filter(producto=producto_propio).order_by("pk")]
    assert sorted(a["imagen_id"] for a in avisos) == [i.pk for i in imagenes]
    assert [i.filtro for i in imagenes] == ["blanco_y_negro"] * 2
    principal = re.search(r'<img class="foto-producto" src="([^"]+)" srcset="([^"]+)"', pagina)
    assert principal.group(1) == f"/imagenes/{imagenes[0].pk}/medium.jpg"
    assert f"/imagenes/{imagenes[1].pk}/medium.jpg" in pagina
    respuesta = await sync_to_async(anonimo.get)(principal.group(1))
    assert respuesta.status_code == 200 and respuesta["Cache-Control"].startswith("public")
    medium = Image.open(io.BytesIO(b"".join(respuesta.streaming_content)))
    assert medium.mode == "L" and max(medium.size) == 640  # grayscale: the filter is in the pixels
    with imagenes[0].archivo_original.open("rb") as original:
        assert Image.open(original).mode == "RGB"  # the original is kept as uploaded


def test_lote_con_un_archivo_malo_no_guarda_nada(cliente, producto_propio):
    fotos = [
        SimpleUploadedFile("bien.jpg", g.jpeg_con_gps(400, 300), content_type="image/jpeg"),
        SimpleUploadedFile("mal.jpg", g.jpeg_truncado(), content_type="image/jpeg"),
    ]
    respuesta = cliente.post(f"/vendedor/productos/{producto_propio.pk}/fotos/", {"fotos": fotos})
    assert respuesta.status_code == 400
    assert "mal.jpg: El archivo de imagen está dañado o incompleto." in respuesta.content.decode()
    assert not ImagenUsuario.objects.exists()


def test_una_foto_sin_aprobar_no_es_publica(cliente, producto_propio, usuaria):
    imagen = ImagenUsuario.objects.create(
        usuario=usuaria, producto=producto_propio, estado="revision", archivo_medium="imagenes/procesadas/1/medium.jpg"
    )
    assert Client().get(f"/imagenes/{imagen.pk}/medium.jpg").status_code == 404


def test_el_formulario_del_producto_cuenta_en_el_limite_de_subidas(cliente, producto_propio, settings):
    import redis

    settings.IMAGENES_SUBIDAS_POR_MINUTO = 2
    with redis.Redis.from_url(settings.REDIS_URL) as cliente_redis:  # counters of earlier users with this id
        for clave in cliente_redis.scan_iter("cache:*:rl:*"):
            cliente_redis.delete(clave)
    url = f"/vendedor/productos/{producto_propio.pk}/fotos/"

    def intento():
        return cliente.post(url, {"fotos": [SimpleUploadedFile("rota.jpg", g.jpeg_truncado())]})

    assert [intento().status_code for _ in range(2)] == [400, 400]
    respuesta = intento()
    assert respuesta.status_code == 429 and 1 <= int(respuesta["Retry-After"]) <= 60
    assert "Subiste demasiadas imágenes seguidas" in respuesta.content.decode()
    assert not ImagenUsuario.objects.exists()
