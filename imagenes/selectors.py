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


def fotos_publicas() -> QuerySet[ImagenUsuario]:
    """Return the photos anyone may see: ready and approved, on a product that is on sale."""
    return ImagenUsuario.objects.filter(estado=ImagenUsuario.Estado.LISTA, producto__activo=True)


def fotos_de_producto(producto_id: int) -> QuerySet[ImagenUsuario]:
    """Return the photos uploaded for a product, oldest first (the first is its main photo)."""
    return ImagenUsuario.objects.filter(producto_id=producto_id).order_by("creada", "pk")


def productos_para_imagen(usuario) -> QuerySet[Producto]:
    """Return the products a user may put one of their images on: their own, by name."""
    return Producto.objects.filter(vendedor=usuario).order_by("nombre")
