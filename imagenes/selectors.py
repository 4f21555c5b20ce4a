"""Reads of images (and of the products an image may go on) that views, forms and services share."""

from django.db.models import QuerySet

from ventas.models import Producto

from .models import ImagenUsuario


def imagenes_de(usuario) -> QuerySet[ImagenUsuario]:
    """Return a user's own images, newest first: the ones they may change or delete."""
    return ImagenUsuario.objects.filter(usuario=usuario)


def imagenes_visibles(usuario) -> QuerySet[ImagenUsuario]:
    """Return the images a user may look at: their own, and every one for staff."""
    imagenes = ImagenUsuario.objects.select_related("usuario")
    return imagenes if usuario.is_staff else imagenes.filter(usuario=usuario)


def productos_para_imagen(usuario) -> QuerySet[Producto]:
    """Return the products a user may put one of their images on: their own, by name."""
    return Producto.objects.filter(vendedor=usuario).order_by("nombre")
