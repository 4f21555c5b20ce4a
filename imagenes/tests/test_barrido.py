"""The sweep of images stuck in ``procesando`` (issue 14): its clock, what it finishes
instead of failing, and the queue it runs on. The Redis restart that loses a chord's
callback is reproduced with the real processes in test_chord_fallos."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from imagenes import services
from imagenes.models import ImagenUsuario
from myproject.celery import app
from notificaciones.models import Notificacion

pytestmark = pytest.mark.django_db


def hace(minutos: float):
    return timezone.now() - timedelta(minutes=minutos)


def procesando(usuaria, *, creada, desde) -> ImagenUsuario:
    imagen = ImagenUsuario.objects.create(usuario=usuaria, archivo_original="imagenes/originales/x.jpg")
    ImagenUsuario.objects.filter(pk=imagen.pk).update(creada=creada, procesando_desde=desde)
    return imagen


def test_el_reloj_corre_desde_que_empezo_el_procesamiento_no_desde_la_subida(usuaria):
    limite = settings.IMAGENES_MINUTOS_ATASCADA
    # Uploaded long ago but waited behind a backlog: its chord started a minute ago.
    en_espera = procesando(usuaria, creada=hace(limite * 3), desde=hace(1))
    atascada = procesando(usuaria, creada=hace(limite * 3), desde=hace(limite + 1))
    # Its start message was lost, so it never started: counted from the upload.
    sin_empezar = procesando(usuaria, creada=hace(limite + 1), desde=None)
    reciente = procesando(usuaria, creada=hace(1), desde=None)

    assert services.barrer_imagenes_atascadas() == 2

    estados = dict(ImagenUsuario.objects.values_list("pk", "estado"))
    assert estados[en_espera.pk] == estados[reciente.pk] == "procesando"
    assert estados[atascada.pk] == estados[sin_empezar.pk] == "fallida"


def test_una_imagen_con_versiones_y_veredicto_se_termina_no_se_falla(usuaria, imagen_lista):
    # What the header leaves when the chord's callback is lost: versions and a verdict stored.
    segura, en_revision, sin_veredicto = (imagen_lista(usuaria) for _ in range(3))
    Notificacion.objects.all().delete()
    ImagenUsuario.objects.update(estado="procesando", procesando_desde=hace(settings.IMAGENES_MINUTOS_ATASCADA + 1))
    # Held for review (no moderation service): that is a verdict too.
    ImagenUsuario.objects.filter(pk=en_revision.pk).update(
        contenido_seguro=None, confianza_analisis=None, nota_moderacion="No hay servicio de moderación configurado."
    )
    # Moderation never answered.
    ImagenUsuario.objects.filter(pk=sin_veredicto.pk).update(contenido_seguro=None, confianza_analisis=None)

    assert services.barrer_imagenes_atascadas() == 3

    estados = dict(ImagenUsuario.objects.values_list("pk", "estado"))
    assert (estados[segura.pk], estados[en_revision.pk], estados[sin_veredicto.pk]) == ("lista", "revision", "fallida")
    assert ImagenUsuario.objects.get(pk=segura.pk).error == ""
    assert "tardó demasiado" in ImagenUsuario.objects.get(pk=sin_veredicto.pk).error
    avisos = Notificacion.objects.filter(tipo="imagen_procesada").values_list("datos__imagen_id", "datos__estado")
    assert sorted(avisos) == [(segura.pk, "lista"), (en_revision.pk, "revision"), (sin_veredicto.pk, "fallida")]


def test_el_barrido_va_a_la_cola_celery_y_no_a_la_pesada():
    def cola(tarea: str) -> str:
        return app.amqp.router.route({}, tarea)["queue"].name

    assert cola("imagenes.tasks.barrer_imagenes_atascadas") == "celery"
    # The work it watches stays on the heavy queue.
    for tarea in ("procesar_imagen_subida", "generar_thumbnails", "analizar_contenido", "finalizar_procesamiento"):
        assert cola(f"imagenes.tasks.{tarea}") == "procesamiento_pesado"


def test_beat_no_fuerza_otra_cola_para_el_barrido():
    from django_celery_beat.models import PeriodicTask

    tarea = PeriodicTask.objects.get(task="imagenes.tasks.barrer_imagenes_atascadas")
    assert not tarea.queue and not tarea.exchange and not tarea.routing_key  # the route above decides
