"""Faults in the image chord with the real worker: header messages delivered twice, and a
moderation service whose answer breaks the JSON parser. Either way the callback's effect
(the owner's notification) happens once and the image never stays ``procesando``."""

import copy

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.core.files.base import ContentFile
from kombu import Connection, Producer
from werkzeug import Response

from imagenes import tasks
from imagenes.models import ImagenUsuario
from notificaciones.models import Notificacion
from pruebas.procesos import ping

from . import generadores as g
from .test_chord import _imagen_cruda, _terminada, moderacion_segura

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CABECERA = {
    "imagenes.tasks.generar_thumbnails",
    "imagenes.tasks.extraer_metadatos",
    "imagenes.tasks.analizar_contenido",
}


def test_la_cabecera_entregada_dos_veces_avisa_una_sola(celery_worker, httpserver, usuaria):
    moderacion_segura(httpserver)
    imagen = ImagenUsuario(usuario=usuaria)
    imagen.archivo_original.save("original.png", ContentFile(g.png_paleta()))  # committed, nothing dispatched
    publicados = []

    def capturar(sender=None, body=None, exchange=None, routing_key=None, headers=None, properties=None, **_):
        publicados.append(copy.deepcopy((body, exchange, routing_key, headers, properties)))

    before_task_publish.connect(capturar)
    try:
        tasks.procesar_imagen_subida(imagen.pk)  # run here: it publishes the chord's header
    finally:
        before_task_publish.disconnect(capturar)
    assert {h["task"] for _, _, _, h, _ in publicados} == CABECERA

    # The very same header messages (same task ids, same chord) once more.
    with Connection(settings.CELERY_BROKER_URL) as conexion:
        productor = Producer(conexion)
        for body, exchange, routing_key, headers, properties in publicados:
            productor.publish(
                body, exchange=exchange, routing_key=routing_key, headers=headers, serializer="json", **properties
            )

    imagen = _terminada(imagen.pk)
    assert imagen.estado in {"lista", "revision", "fallida"}, imagen.estado
    assert Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").count() == 1
    # A second run of the header replaces the versions, it does not pile copies up.
    assert imagen.estado != "lista" or all(imagen.archivo(v) for v in ("thumbnail", "medium", "large"))
    assert celery_worker.poll() is None and ping(timeout=2)


def test_moderacion_que_responde_json_sin_fondo(celery_worker, httpserver, usuaria):
    # 100,000 nested arrays: the JSON parser raises RecursionError, not a RequestException.
    httpserver.expect_request("/moderar").respond_with_response(
        Response("[" * 100_000, status=200, content_type="application/json")
    )
    imagen = _terminada(_imagen_cruda(usuaria, g.jpeg_cmyk()).pk)
    # Treated like any bad answer of the service: retried, then held for review.
    assert imagen.estado == "revision" and len(httpserver.log) == 3
    assert Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").count() == 1
    assert celery_worker.poll() is None and ping(timeout=2)
