"""The image chord: three header tasks in parallel, then one callback.

``procesar_imagen_subida`` → chord(group(generar_thumbnails, extraer_metadatos,
analizar_contenido)) → ``finalizar_procesamiento``. Tasks are thin: they load ids,
call ``services`` and own the retry policy. A header task never fails the chord for
an expected reason (a poison file, a moderation service that is down): it records
it and returns, so the callback always runs and decides the final state. For the
unexpected, the chord's errback fails the image, and ``barrer_imagenes_atascadas``
(routed to ``celery``, not the heavy queue it watches) finishes or fails whatever is left.
"""

import logging

import requests
from celery import chord, group, shared_task

from . import services
from .models import ImagenUsuario

logger = logging.getLogger(__name__)


@shared_task(name="imagenes.tasks.procesar_imagen_subida")
def procesar_imagen_subida(imagen_id: int) -> str | None:
    """Start the chord for one uploaded image (and the sweep's clock); return the callback's task id."""
    if not services.iniciar_procesamiento(imagen_id=imagen_id):
        return None  # deleted, or already finished by an earlier run
    cabecera = group(
        generar_thumbnails.si(imagen_id),
        extraer_metadatos.si(imagen_id),
        analizar_contenido.si(imagen_id),
    )
    final = finalizar_procesamiento.s(imagen_id=imagen_id)
    final.link_error(fallo_en_procesamiento.s(imagen_id=imagen_id))
    return chord(cabecera)(final).id


@shared_task(name="imagenes.tasks.generar_thumbnails")
def generar_thumbnails(imagen_id: int) -> dict:
    try:
        return services.generar_thumbnails(imagen_id=imagen_id)
    except ImagenUsuario.DoesNotExist:
        return {"versiones": False, "error": "no existe"}


@shared_task(name="imagenes.tasks.extraer_metadatos")
def extraer_metadatos(imagen_id: int) -> dict:
    try:
        return services.extraer_metadatos(imagen_id=imagen_id)
    except ImagenUsuario.DoesNotExist:
        return {"metadatos": False, "error": "no existe"}


@shared_task(bind=True, name="imagenes.tasks.analizar_contenido", max_retries=2)
def analizar_contenido(self, imagen_id: int) -> dict:
    """Moderate the image; retry a failing service with exponential backoff and jitter.

    When the retries run out the image is held for human review, never published as safe.
    """
    try:
        return services.analizar_contenido(imagen_id=imagen_id)
    except ImagenUsuario.DoesNotExist:
        return {"moderacion": "no existe"}
    except requests.RequestException as error:
        if self.request.retries < self.max_retries:
            espera = services.espera_reintento(self.request.retries)
            logger.warning("Moderación de la imagen %s falló (%r); reintento en %.2fs", imagen_id, error, espera)
            raise self.retry(exc=error, countdown=espera) from error
        logger.error("Moderación de la imagen %s falló %s veces: queda en revisión", imagen_id, self.max_retries + 1)
        services.retener_para_revision(
            imagen_id=imagen_id,
            nota=f"El servicio de moderación no respondió bien tras {self.max_retries + 1} intentos.",
        )
        return {"moderacion": "revision"}


@shared_task(name="imagenes.tasks.finalizar_procesamiento")
def finalizar_procesamiento(resultados: list, imagen_id: int) -> str | None:
    """Decide the image's final state from what the header stored, and tell its owner."""
    logger.info("Imagen %s: resultados del chord %r", imagen_id, resultados)
    try:
        return services.finalizar_procesamiento(imagen_id=imagen_id)
    except ImagenUsuario.DoesNotExist:
        return None


@shared_task(name="imagenes.tasks.fallo_en_procesamiento")
def fallo_en_procesamiento(request, exc, traceback, imagen_id: int) -> str | None:
    """Errback of the chord: a header task crashed, so fail the image with a reason."""
    logger.error("Imagen %s: el procesamiento falló: %r", imagen_id, exc)
    try:
        return services.fallo_en_procesamiento(imagen_id=imagen_id, motivo="Ocurrió un error al procesar la imagen.")
    except ImagenUsuario.DoesNotExist:
        return None


@shared_task(name="imagenes.tasks.barrer_imagenes_atascadas")
def barrer_imagenes_atascadas() -> int:
    """Finish or fail images left in "procesando" too long (a lost callback, a lost message, a crashed chord)."""
    return services.barrer_imagenes_atascadas()
