import logging

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views import View
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from . import selectors, services
from .forms import AsignarProductoForm, SubirImagenForm
from .models import VERSIONES, ImagenUsuario

logger = logging.getLogger(__name__)

# Multipart overhead allowed on top of the file size limit before we refuse to read a request.
HOLGURA_MULTIPART = 64 * 1024


def subidas_de_mas(request) -> int | None:
    """Count this upload against the user's per-minute allowance; return the seconds to wait if it is spent.

    Every attempt counts, refused ones too: what a flood costs is the requests. With the
    cache (Redis) down the upload goes on, logged: the limit guards the site, it is not
    worth refusing honest uploads for.
    """
    try:
        uso = get_usage(
            request,
            group="imagenes.subir",
            key="user",
            rate=(settings.IMAGENES_SUBIDAS_POR_MINUTO, 60),
            method="POST",
            increment=True,
        )
    except (redis.RedisError, OSError) as error:
        logger.warning("Sin límite de subidas: la caché no responde (%r)", error)
        return None
    if uso is None or not uso["should_limit"]:
        return None
    return max(1, uso["time_left"])


def _imagen_visible(request, imagen_id: int) -> ImagenUsuario:
    # Someone else's image and a missing one look the same: no probing for ids.
    try:
        return selectors.imagenes_visibles(request.user).get(pk=imagen_id)
    except ImagenUsuario.DoesNotExist:
        raise Http404("Esa imagen no existe.") from None


@login_required
def galeria(request):
    imagenes = selectors.imagenes_de(request.user)[:200]
    return render(request, "imagenes/galeria.html", {"imagenes": imagenes})


class SubirImagenView(LoginRequiredMixin, View):
    """Take an upload, check it before decoding, store it, and answer at once.

    The slow work (sizes, metadata, moderation) runs in the image chord.
    """

    plantilla = "imagenes/subir.html"

    def get(self, request):
        return render(request, self.plantilla, {"form": SubirImagenForm()})

    def post(self, request):
        if (espera := subidas_de_mas(request)) is not None:
            aviso = (
                f"Subiste demasiadas imágenes seguidas (el máximo es {settings.IMAGENES_SUBIDAS_POR_MINUTO} "
                f"por minuto). Espera {espera} segundos y vuelve a intentarlo."
            )
            respuesta = render(request, self.plantilla, {"form": SubirImagenForm(), "aviso": aviso}, status=429)
            respuesta["Retry-After"] = str(espera)
            return respuesta
        try:
            largo = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            largo = 0
        if largo > settings.IMAGENES_MAX_BYTES + HOLGURA_MULTIPART:
            # Refuse before the multipart body is parsed and its file spooled to disk.
            aviso = f"El archivo es demasiado grande; el máximo es {filesizeformat(settings.IMAGENES_MAX_BYTES)}."
            return render(request, self.plantilla, {"form": SubirImagenForm(), "aviso": aviso}, status=413)
        form = SubirImagenForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.plantilla, {"form": form}, status=400)
        imagen = services.crear_imagen(
            usuario=request.user,
            archivo=form.cleaned_data["archivo"],
            descripcion=form.cleaned_data["descripcion"],
            formato=form.info.formato,
            filtro=form.cleaned_data["filtro"],
        )
        messages.success(request, "Recibimos tu imagen; la estamos procesando.")
        return redirect(imagen)


@login_required
def detalle(request, imagen_id: int):
    imagen = _imagen_visible(request, imagen_id)
    es_duena = imagen.usuario_id == request.user.pk
    asignar = None
    if es_duena and selectors.productos_para_imagen(request.user).exists():
        asignar = AsignarProductoForm(usuario=request.user)
    return render(
        request,
        "imagenes/detalle.html",
        {"imagen": imagen, "datos": datos_de_estado(imagen), "asignar": asignar},
    )


def datos_de_estado(imagen: ImagenUsuario) -> dict:
    """Return the JSON the detail page reads to show an image's progress and results."""
    return {
        "id": imagen.pk,
        "estado": imagen.estado,
        "estado_texto": imagen.get_estado_display(),
        "terminada": imagen.terminada,
        "usable": imagen.usable,
        "descripcion": imagen.descripcion,
        "error": imagen.error,
        "versiones": {v: imagen.url_version(v) for v in VERSIONES},
        "metadatos": imagen.metadatos,
        "moderacion": {
            "contenido_seguro": imagen.contenido_seguro,
            "confianza": imagen.confianza_analisis,
            "categorias": imagen.categorias,
            "nota": imagen.nota_moderacion,
        },
    }


@login_required
def estado(request, imagen_id: int):
    respuesta = JsonResponse(datos_de_estado(_imagen_visible(request, imagen_id)))
    respuesta["Cache-Control"] = "no-store"
    return respuesta


def archivo(request, imagen_id: int, version: str):
    """Serve a processed version to its owner (and staff), and to anyone when it is a ready
    photo of a product on sale. Originals are never served."""
    if version not in VERSIONES:
        raise Http404("Versión desconocida.")
    imagen = selectors.fotos_publicas().filter(pk=imagen_id).first()
    publica = imagen is not None
    if not publica:
        if not request.user.is_authenticated:
            raise Http404("Esa imagen no existe.")
        imagen = _imagen_visible(request, imagen_id)
    campo = imagen.archivo(version)
    if not campo:
        raise Http404("Esa versión aún no existe.")
    respuesta = FileResponse(campo.open("rb"), content_type="image/jpeg")
    respuesta["Cache-Control"] = "public, max-age=300" if publica else "private, max-age=300"
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta


@require_POST
@login_required
def asignar_a_producto(request, imagen_id: int):
    imagen = get_object_or_404(selectors.imagenes_de(request.user), pk=imagen_id)
    form = AsignarProductoForm(request.POST, usuario=request.user)
    if not form.is_valid():
        messages.error(request, "Elige uno de tus productos.")
        return redirect(imagen)
    try:
        producto = services.asignar_a_producto(
            imagen_id=imagen.pk, producto_id=form.cleaned_data["producto"].pk, usuario=request.user
        )
    except services.ErrorImagen as error:
        messages.error(request, str(error))
        return redirect(imagen)
    messages.success(request, f"La imagen ahora es la foto de «{producto.nombre}».")
    return redirect(producto)


@require_POST
@login_required
def eliminar(request, imagen_id: int):
    try:
        services.eliminar_imagen(imagen_id=imagen_id, usuario=request.user)
    except ImagenUsuario.DoesNotExist:
        raise Http404("Esa imagen no existe.") from None
    messages.success(request, "Imagen eliminada.")
    return redirect("imagenes:galeria")
