"""Business operations on uploaded images. Views, tasks and admin actions call these.

Every step of the chord may run twice (``acks_late``): each writes only its own
fields with ``update()`` (so parallel steps never overwrite each other), saves files
under fixed names, and the one state transition out of ``procesando`` is a
conditional update, so the user is told exactly once.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from myproject.commit import partial
from notificaciones.services import notificar
from outbox import services as outbox
from ventas.models import Producto

from . import moderacion, procesamiento, selectors
from .models import VERSIONES, ImagenUsuario

logger = logging.getLogger(__name__)

EXTENSIONES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
Estado = ImagenUsuario.Estado


class ErrorImagen(Exception):
    """An operation on an image that the rules do not allow; the message is for the user."""


def crear_imagen(
    *,
    usuario,
    archivo: UploadedFile,
    descripcion: str,
    formato: str,
    filtro: str = "",
    producto: Producto | None = None,
) -> ImagenUsuario:
    """Store a validated upload and its row, and start the chord once both are committed.

    ``filtro`` is applied to every version; ``producto`` (one of the uploader's own)
    gets the photo once it is ready.

    If the row cannot be written the stored file is removed again: a failed upload
    leaves nothing behind.
    """
    if filtro not in ImagenUsuario.Filtro.values:
        raise ErrorImagen("Ese filtro no existe.")
    if producto is not None and producto.vendedor_id != usuario.pk:
        raise ErrorImagen("Solo puedes subir fotos de tus propios productos.")
    imagen = ImagenUsuario(usuario=usuario, descripcion=descripcion, filtro=filtro, producto=producto)
    imagen.archivo_original.save(f"original{EXTENSIONES[formato]}", archivo, save=False)
    try:
        with transaction.atomic():
            imagen.save()
            outbox.enqueue("imagenes.tasks.procesar_imagen_subida", args=[imagen.pk])
    except Exception:
        imagen.archivo_original.delete(save=False)
        raise
    return imagen


def _registrar_error(imagen_id: int, mensaje: str) -> None:
    """Keep the first reason an image could not be processed."""
    ImagenUsuario.objects.filter(pk=imagen_id, error="").update(error=mensaje[:300])


def _procesar_original(imagen_id: int, funcion, *, decodifica: bool = True):
    """Run a pure ``procesamiento`` function on the stored original; return (result, error).

    A function that ``decodifica`` gets the memory budget of one decode. A file Pillow
    rejects (or one over that budget) is recorded as the image's error and returned, not
    raised, so the header task ends normally: no retry loop on a poison file.
    """
    imagen = ImagenUsuario.objects.get(pk=imagen_id)
    ajustes = {"max_pixeles": settings.IMAGENES_MAX_PIXELS}
    if decodifica:
        ajustes["max_memoria"] = settings.IMAGENES_MAX_MEMORIA_MB * 1024 * 1024
    try:
        with imagen.archivo_original.open("rb") as original:
            return funcion(original, **ajustes), None
    except procesamiento.ImagenInvalida as error:
        _registrar_error(imagen_id, str(error))
        return None, str(error)


def generar_thumbnails(*, imagen_id: int) -> dict:
    """Make and store the thumbnail, medium and large JPEGs of an image."""
    filtro = ImagenUsuario.objects.values_list("filtro", flat=True).get(pk=imagen_id)
    versiones, error = _procesar_original(imagen_id, partial(procesamiento.generar_versiones, filtro=filtro))
    if error is not None:
        return {"versiones": False, "error": error}
    nombres = {}
    for version, contenido in versiones.items():
        nombre = f"imagenes/procesadas/{imagen_id}/{version}.jpg"
        default_storage.delete(nombre)  # a second run replaces, never piles up copies
        nombres[f"archivo_{version}"] = default_storage.save(nombre, ContentFile(contenido))
    ImagenUsuario.objects.filter(pk=imagen_id).update(**nombres)
    return {"versiones": True}


def extraer_metadatos(*, imagen_id: int) -> dict:
    """Read and store what the photo's header says (camera, date, size); never GPS."""
    metadatos, error = _procesar_original(imagen_id, procesamiento.leer_metadatos, decodifica=False)
    if error is not None:
        return {"metadatos": False, "error": error}
    ImagenUsuario.objects.filter(pk=imagen_id).update(metadatos=metadatos)
    return {"metadatos": True}


def moderacion_configurada() -> bool:
    return bool(settings.MODERATION_API_URL)


def analizar_contenido(*, imagen_id: int) -> dict:
    """Ask the moderation service about an image and store its verdict.

    Raise ``requests.RequestException`` on any failure of the service (the task
    retries); without a configured service, hold the image for human review.
    """
    if not moderacion_configurada():
        retener_para_revision(imagen_id=imagen_id, nota="No hay servicio de moderación configurado.")
        return {"moderacion": "revision"}
    muestra, error = _procesar_original(imagen_id, procesamiento.version_para_moderar)
    if error is not None:
        return {"moderacion": "sin_imagen"}
    veredicto = moderacion.moderar(
        muestra,
        url=settings.MODERATION_API_URL,
        timeout=(settings.MODERATION_CONNECT_TIMEOUT, settings.MODERATION_READ_TIMEOUT),
        token=settings.MODERATION_API_TOKEN,
    )
    ImagenUsuario.objects.filter(pk=imagen_id).update(
        contenido_seguro=veredicto.seguro,
        confianza_analisis=veredicto.confianza,
        categorias=veredicto.categorias,
        nota_moderacion="",
    )
    return {"moderacion": "seguro" if veredicto.seguro else "inseguro", "confianza": veredicto.confianza}


def retener_para_revision(*, imagen_id: int, nota: str) -> None:
    """Leave the verdict empty, so the image waits for a person in the admin."""
    ImagenUsuario.objects.filter(pk=imagen_id).update(
        contenido_seguro=None, confianza_analisis=None, nota_moderacion=nota[:200]
    )


def espera_reintento(reintento: int) -> float:
    """Return the seconds before retry ``reintento`` (0-based): exponential, with ±50 % jitter."""
    base = settings.MODERATION_BACKOFF * (2**reintento)
    return min(base * random.uniform(0.5, 1.5), settings.CELERY_MAX_RETRY_DELAY)  # noqa: S311 - jitter, not crypto


def estado_final(imagen: ImagenUsuario) -> str:
    """Return where a processed image ends up: the one place the verdict is decided."""
    if imagen.error or not all(imagen.archivo(v) for v in VERSIONES):
        return Estado.FALLIDA
    if imagen.contenido_seguro is False:
        return Estado.RECHAZADA
    if imagen.contenido_seguro and (imagen.confianza_analisis or 0) >= settings.MODERATION_CONFIANZA_MINIMA:
        return Estado.LISTA
    return Estado.REVISION  # no verdict, or "safe" with too little confidence


@transaction.atomic
def finalizar_procesamiento(*, imagen_id: int) -> str | None:
    """Move an image out of ``procesando`` to its final state and tell its owner, once.

    Return the new state, or None if another run (or the sweep) got there first.
    """
    imagen = ImagenUsuario.objects.select_for_update().get(pk=imagen_id)
    if imagen.estado != Estado.PROCESANDO:
        return None
    nuevo = estado_final(imagen)
    error = imagen.error or ("No se pudieron generar las versiones de la imagen." if nuevo == Estado.FALLIDA else "")
    return _cambiar_estado(imagen, nuevo, error=error, desde=Estado.PROCESANDO)


def fallo_en_procesamiento(*, imagen_id: int, motivo: str) -> str | None:
    """Fail an image still processing, with ``motivo`` as the reason the user sees."""
    with transaction.atomic():
        imagen = ImagenUsuario.objects.select_for_update().get(pk=imagen_id)
        if imagen.estado != Estado.PROCESANDO:
            return None
        return _cambiar_estado(imagen, Estado.FALLIDA, error=imagen.error or motivo, desde=Estado.PROCESANDO)


def iniciar_procesamiento(*, imagen_id: int) -> bool:
    """Start the sweep's clock for an image about to be processed; return False if it is not processing."""
    return bool(
        ImagenUsuario.objects.filter(pk=imagen_id, estado=Estado.PROCESANDO).update(procesando_desde=timezone.now())
    )


def _cabecera_terminada(imagen: ImagenUsuario) -> bool:
    """Return whether the chord's header stored all it decides on: the versions and a verdict, or an error."""
    if imagen.error:
        return True
    hay_veredicto = imagen.contenido_seguro is not None or bool(imagen.nota_moderacion)  # a hold for review is one
    return hay_veredicto and all(imagen.archivo(v) for v in VERSIONES)


def barrer_imagenes_atascadas(*, minutos: int | None = None) -> int:
    """Finish or fail every image processing for longer than ``minutos``; return how many changed.

    The clock runs from when the chord started (``procesando_desde``), not from the
    upload, so an image that waited behind a backlog is not failed for it; an image
    whose start message was lost counts from its upload. An image whose header stored
    everything lost only its callback (the result backend forgot the chord: Redis
    restarted without persistence), so it is finished as the callback would have done;
    only the others fail.
    """
    minutos = settings.IMAGENES_MINUTOS_ATASCADA if minutos is None else minutos
    limite = timezone.now() - timedelta(minutes=minutos)
    atascadas = ImagenUsuario.objects.filter(estado=Estado.PROCESANDO).filter(
        Q(procesando_desde__lt=limite) | Q(procesando_desde__isnull=True, creada__lt=limite)
    )
    motivo = "El procesamiento tardó demasiado. Vuelve a subir la imagen."
    terminadas = fallidas = 0
    for imagen in list(atascadas):
        if _cabecera_terminada(imagen):
            terminadas += bool(finalizar_procesamiento(imagen_id=imagen.pk))
        else:
            fallidas += bool(fallo_en_procesamiento(imagen_id=imagen.pk, motivo=motivo))
    if terminadas or fallidas:
        logger.warning(
            "Barrido: %s imágenes atascadas terminadas (su chord se perdió), %s marcadas como fallidas",
            terminadas,
            fallidas,
        )
    return terminadas + fallidas


@transaction.atomic
def revisar(*, imagen_id: int, aprobar: bool, revisor=None) -> str | None:
    """Record a person's moderation decision on an image held for review and tell its owner."""
    imagen = ImagenUsuario.objects.select_for_update().get(pk=imagen_id)
    if imagen.estado not in (Estado.REVISION, Estado.LISTA, Estado.RECHAZADA):
        return None
    nuevo = Estado.LISTA if aprobar else Estado.RECHAZADA
    if nuevo == Estado.LISTA and not all(imagen.archivo(v) for v in VERSIONES):
        raise ErrorImagen("La imagen no tiene sus versiones; no se puede aprobar.")
    if imagen.estado == nuevo:
        return None
    quien = revisor.get_username() if revisor is not None else "un moderador"
    imagen.contenido_seguro = aprobar
    imagen.nota_moderacion = f"Revisada por {quien}."
    imagen.save(update_fields=["contenido_seguro", "nota_moderacion", "actualizada"])
    return _cambiar_estado(imagen, nuevo, error="", desde=imagen.estado)


_TITULOS = {
    Estado.LISTA: "Tu imagen está lista",
    Estado.REVISION: "Tu imagen está en revisión",
    Estado.RECHAZADA: "Tu imagen fue rechazada por moderación",
    Estado.FALLIDA: "No pudimos procesar tu imagen",
}


def _cambiar_estado(imagen: ImagenUsuario, nuevo: str, *, error: str, desde: str) -> str | None:
    cambiadas = ImagenUsuario.objects.filter(pk=imagen.pk, estado=desde).update(
        estado=nuevo, error=error[:300], actualizada=timezone.now()
    )
    if not cambiadas:
        return None
    imagen.refresh_from_db()
    mensajes = {
        Estado.LISTA: "Ya puedes ver sus versiones.",
        Estado.REVISION: "Sus versiones están listas; una persona revisará el contenido antes de publicarla.",
        Estado.RECHAZADA: "El análisis de contenido no la aprobó.",
        Estado.FALLIDA: imagen.error,
    }
    notificar(
        usuario=imagen.usuario,
        tipo="imagen_procesada",
        titulo=_TITULOS[nuevo],
        mensaje=mensajes[nuevo],
        datos={"imagen_id": imagen.pk, "url_thumbnail": imagen.url_version("thumbnail"), "estado": nuevo},
    )
    return nuevo


@transaction.atomic
def asignar_a_producto(*, imagen_id: int, producto_id: int, usuario) -> Producto:
    """Make a ready image the photo of one of the user's own products (a public copy of the medium size)."""
    imagen = selectors.imagenes_de(usuario).get(pk=imagen_id)
    producto = selectors.productos_para_imagen(usuario).select_for_update().get(pk=producto_id)
    if not imagen.usable:
        raise ErrorImagen("Solo se puede usar una imagen lista y aprobada.")
    anterior = producto.imagen.name if producto.imagen else ""
    with imagen.archivo_medium.open("rb") as medium:
        producto.imagen.save(f"imagen-{imagen.pk}.jpg", ContentFile(medium.read()), save=False)
    producto.save(update_fields=["imagen"])
    if anterior and anterior != producto.imagen.name:
        transaction.on_commit(partial(default_storage.delete, anterior), robust=True)
    return producto


@transaction.atomic
def eliminar_imagen(*, imagen_id: int, usuario) -> None:
    """Delete one of the user's images and, once that commits, its files.

    A product that uses it keeps its own copy. A chord still running finds the row gone
    and stops.
    """
    imagen = selectors.imagenes_de(usuario).get(pk=imagen_id)
    nombres = [campo.name for campo in (imagen.archivo_original, *map(imagen.archivo, VERSIONES)) if campo]
    imagen.delete()
    transaction.on_commit(partial(_borrar_archivos, nombres), robust=True)


def _borrar_archivos(nombres: list[str]) -> None:
    for nombre in nombres:
        default_storage.delete(nombre)
