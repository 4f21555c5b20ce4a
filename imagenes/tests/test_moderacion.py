"""The moderation client and task against a real local HTTP server (pytest-httpserver).

The server answers safe, unsafe, 500, too slowly, and with malformed JSON; the task
runs in the real Celery worker, which retries with exponential backoff and jitter and
then holds the image for review. Nothing is ever published as safe by default.
"""

import io
import json
import os
import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from werkzeug import Request, Response

from imagenes import moderacion, services
from imagenes.models import ImagenUsuario
from pruebas.procesos import esperar

from . import generadores as g

SEGURO = {"seguro": True, "confianza": 0.97, "categorias": []}
INSEGURO = {"seguro": False, "confianza": 0.91, "categorias": ["violencia"]}


class Registro:
    """A handler that answers with ``respuesta`` and remembers when each request came."""

    def __init__(self, respuesta, demora: float = 0):
        self.respuesta = respuesta
        self.demora = demora
        self.llegadas: list[float] = []
        self.imagenes: list[bytes] = []

    def __call__(self, request: Request) -> Response:
        self.llegadas.append(time.monotonic())
        self.imagenes.append(request.files["imagen"].read())
        if self.demora:
            time.sleep(self.demora)
        return self.respuesta if isinstance(self.respuesta, Response) else self.respuesta()


def responder(httpserver, respuesta, demora: float = 0) -> Registro:
    registro = Registro(respuesta, demora)
    httpserver.expect_request("/moderar", method="POST").respond_with_handler(registro)
    return registro


def json_response(datos, status=200):
    return Response(json.dumps(datos), status=status, content_type="application/json")


# The client alone, in this process.


def test_el_cliente_lee_un_veredicto_seguro_y_uno_inseguro(httpserver):
    registro = responder(httpserver, lambda: json_response(SEGURO))
    veredicto = moderacion.moderar(b"jpeg", url=httpserver.url_for("/moderar"), token="secreto")
    assert veredicto == moderacion.Veredicto(seguro=True, confianza=0.97, categorias=[])
    assert registro.imagenes == [b"jpeg"]
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer secreto"

    httpserver.clear()
    responder(httpserver, json_response(INSEGURO))
    assert moderacion.moderar(b"jpeg", url=httpserver.url_for("/moderar")).categorias == ["violencia"]


@pytest.mark.parametrize(
    ("respuesta", "error"),
    [
        (Response("fallo", status=500), requests.HTTPError),
        (Response("{no es json", status=200, content_type="application/json"), requests.RequestException),
        (json_response({"seguro": "sí", "confianza": 0.9}), moderacion.RespuestaInvalida),
        (json_response({"seguro": True, "confianza": 7}), moderacion.RespuestaInvalida),
        (json_response(["seguro"]), moderacion.RespuestaInvalida),
    ],
    ids=["500", "json-roto", "seguro-no-booleano", "confianza-fuera-de-rango", "no-objeto"],
)
def test_el_cliente_convierte_todo_fallo_en_request_exception(httpserver, respuesta, error):
    responder(httpserver, respuesta)
    with pytest.raises(error) as info:
        moderacion.moderar(b"jpeg", url=httpserver.url_for("/moderar"))
    assert isinstance(info.value, requests.RequestException)  # so the task retries it


def test_el_cliente_respeta_el_timeout_de_lectura(httpserver):
    responder(httpserver, json_response(SEGURO), demora=3.0)
    inicio = time.monotonic()
    with pytest.raises(requests.Timeout):
        moderacion.moderar(b"jpeg", url=httpserver.url_for("/moderar"), timeout=(1, 0.3))
    # Given up long before the slow service answered (a wide margin for a busy machine).
    assert time.monotonic() - inicio < 2


def test_la_espera_crece_exponencialmente_con_jitter(settings):
    settings.MODERATION_BACKOFF = 1.0
    esperas = [[services.espera_reintento(n) for _ in range(50)] for n in range(3)]
    for n, muestras in enumerate(esperas):
        assert all(0.5 * 2**n <= s <= 1.5 * 2**n for s in muestras)
        assert len(set(muestras)) > 1  # jittered
    assert sum(esperas[2]) > sum(esperas[1]) > sum(esperas[0])


def test_sin_servicio_configurado_la_imagen_queda_en_revision(settings, usuaria):
    settings.MODERATION_API_URL = ""
    imagen = services.crear_imagen(
        usuario=usuaria, archivo=SimpleUploadedFile("f.png", g.png_rgba()), descripcion="", formato="PNG"
    )
    services.generar_thumbnails(imagen_id=imagen.pk)
    assert services.analizar_contenido(imagen_id=imagen.pk) == {"moderacion": "revision"}
    assert services.finalizar_procesamiento(imagen_id=imagen.pk) == ImagenUsuario.Estado.REVISION
    imagen.refresh_from_db()
    assert imagen.contenido_seguro is None and "No hay servicio" in imagen.nota_moderacion


def test_seguro_con_poca_confianza_va_a_revision(ajustes_moderacion, httpserver, usuaria):
    responder(httpserver, json_response({"seguro": True, "confianza": 0.5, "categorias": []}))
    imagen = services.crear_imagen(
        usuario=usuaria, archivo=SimpleUploadedFile("f.jpg", g.jpeg_con_gps()), descripcion="", formato="JPEG"
    )
    services.generar_thumbnails(imagen_id=imagen.pk)
    services.analizar_contenido(imagen_id=imagen.pk)
    assert services.finalizar_procesamiento(imagen_id=imagen.pk) == ImagenUsuario.Estado.REVISION


# The task in the real worker: retries, backoff, final state.

pytestmark_worker = pytest.mark.django_db(transaction=True)


def _procesar(cliente, datos=None) -> ImagenUsuario:
    respuesta = cliente.post(
        "/imagenes/subir/", {"archivo": SimpleUploadedFile("f.jpg", datos or g.jpeg_con_gps(1200, 900))}
    )
    assert respuesta.status_code == 302, respuesta.content
    imagen_id = int(respuesta["Location"].strip("/").split("/")[-1])
    return esperar(
        lambda: ImagenUsuario.objects.exclude(estado="procesando").filter(pk=imagen_id).first(),
        timeout=40,
        mensaje=f"image {imagen_id} to leave 'procesando'",
    )


@pytestmark_worker
def test_veredicto_seguro_publica_la_imagen(celery_worker, httpserver, cliente):
    registro = responder(httpserver, json_response(SEGURO))
    imagen = _procesar(cliente)

    assert imagen.estado == "lista" and imagen.contenido_seguro is True and imagen.confianza_analisis == 0.97
    assert len(registro.llegadas) == 1
    # What the service saw: a small JPEG without EXIF (no GPS leaves the shop).
    enviada = Image.open(io.BytesIO(registro.imagenes[0]))
    assert enviada.format == "JPEG" and max(enviada.size) <= 512 and not enviada.getexif()


@pytestmark_worker
def test_veredicto_inseguro_rechaza_la_imagen(celery_worker, httpserver, cliente):
    registro = responder(httpserver, json_response(INSEGURO))
    imagen = _procesar(cliente)
    assert imagen.estado == "rechazada" and imagen.contenido_seguro is False
    assert imagen.categorias == ["violencia"] and len(registro.llegadas) == 1


@pytestmark_worker
@pytest.mark.parametrize(
    ("respuesta", "demora"),
    [
        (lambda: Response("error interno", status=500), 0),
        (lambda: json_response(SEGURO), 1.3),  # the worker's read timeout is 1 s
        (lambda: Response('{"seguro": tru', status=200, content_type="application/json"), 0),
    ],
    ids=["500", "lento", "json-roto"],
)
def test_un_servicio_que_falla_se_reintenta_y_la_imagen_queda_en_revision(
    celery_worker, httpserver, cliente, respuesta, demora
):
    registro = responder(httpserver, respuesta, demora=demora)
    imagen = _procesar(cliente)

    assert imagen.estado == "revision" and imagen.contenido_seguro is None
    assert "3 intentos" in imagen.nota_moderacion
    assert len(registro.llegadas) == 3  # the first try and max_retries=2
    # Backoff: retry n waits MODERATION_BACKOFF (0.2 s) * 2**n, jittered by ±50 %.
    ocupado = min(demora, float(os.environ["MODERATION_READ_TIMEOUT"]))  # the client gives up at its timeout
    gaps = [b - a - ocupado for a, b in zip(registro.llegadas, registro.llegadas[1:], strict=False)]
    assert gaps[0] >= 0.1 - 0.05 and gaps[1] >= 0.2 - 0.05, gaps
    assert imagen.archivo_thumbnail and imagen.metadatos["formato"] == "JPEG"  # the rest of the chord went on
