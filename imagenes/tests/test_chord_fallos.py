"""Faults in the image chord with the real worker: header messages delivered twice, a
moderation service whose answer breaks the JSON parser, and Redis restarting empty under a
running chord. Either way the callback's effect (the owner's notification) happens once
and the image never stays ``procesando``."""

import copy
import json
import threading
import time
from datetime import timedelta

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from kombu import Connection, Producer
from werkzeug import Response

from imagenes import services, tasks
from imagenes.models import ImagenUsuario
from notificaciones.models import Notificacion
from pruebas.procesos import detener, esperar, iniciar_worker, ping

from . import generadores as g
from .test_chord import SEGURO, _imagen_cruda, _terminada, moderacion_segura

pytestmark = [pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

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
    assert imagen.estado == "lista", (imagen.estado, imagen.error)  # a valid, safe PNG
    assert Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada").count() == 1
    # A second run of the header replaces the versions, it does not pile copies up.
    assert all(imagen.archivo(v) for v in ("thumbnail", "medium", "large"))
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


@pytest.fixture
def worker_paciente(_worker_de_la_sesion, django_db_blocker):
    """The only worker for one test, waiting up to 15 s for moderation (the session's waits 1 s).

    The session's worker is stopped first (``celery_worker`` starts it again for the next test).
    """
    if _worker_de_la_sesion["proceso"] is not None:
        detener(_worker_de_la_sesion["proceso"])
        _worker_de_la_sesion["proceso"] = None
    with django_db_blocker.unblock():
        proceso = iniciar_worker("worker_paciente", MODERATION_READ_TIMEOUT="15")
    yield proceso
    detener(proceso)


def test_redis_reiniciado_pierde_el_chord_y_el_barrido_termina_la_imagen(
    worker_paciente, httpserver, usuaria, redis_privado
):
    """Redis restarts empty (no persistence) while moderation is answering: the result
    backend forgets the chord, so its callback never fires although the header stored the
    versions and the verdict. The sweep finishes the image (``lista``) instead of failing it."""
    en_curso = threading.Event()

    def moderacion_lenta(request):
        en_curso.set()
        time.sleep(5)
        return Response(json.dumps(SEGURO), content_type="application/json")

    httpserver.expect_request("/moderar", method="POST").respond_with_handler(moderacion_lenta)
    imagen = _imagen_cruda(usuaria, g.png_paleta(), "original.png")
    esperar(
        lambda: en_curso.is_set() and ImagenUsuario.objects.get(pk=imagen.pk).archivo_thumbnail,
        timeout=40,
        mensaje="the versions stored while moderation answers",
    )
    imagen.refresh_from_db()
    assert imagen.procesando_desde is not None and imagen.procesando_desde >= imagen.creada  # set by the chord's start

    redis_privado.detener()
    redis_privado.arrancar()
    imagen = esperar(
        lambda: ImagenUsuario.objects.filter(pk=imagen.pk, contenido_seguro__isnull=False).first(),
        timeout=40,
        mensaje="the verdict stored after the restart",
    )
    time.sleep(3)  # the callback would have run by now
    imagen.refresh_from_db()
    assert imagen.estado == "procesando" and imagen.contenido_seguro is True
    assert not Notificacion.objects.filter(usuario=usuaria).exists()

    # Beat runs the sweep once the image has been processing too long.
    atras = timezone.now() - timedelta(minutes=settings.IMAGENES_MINUTOS_ATASCADA + 1)
    ImagenUsuario.objects.filter(pk=imagen.pk).update(creada=atras, procesando_desde=atras)
    assert services.barrer_imagenes_atascadas() == 1

    imagen.refresh_from_db()
    assert imagen.estado == "lista" and imagen.error == ""
    [aviso] = Notificacion.objects.filter(usuario=usuaria, tipo="imagen_procesada")
    assert aviso.datos["estado"] == "lista"
