"""Reusable reads of the shop's data."""

from django.db.models import Q, QuerySet

from .models import Producto, Venta


def productos_en_catalogo(buscar: str = "") -> QuerySet[Producto]:
    productos = Producto.objects.filter(activo=True).select_related("vendedor")
    if buscar:
        productos = productos.filter(nombre__icontains=buscar)
    return productos


def ventas_visibles(usuario) -> QuerySet[Venta]:
    """Return the sales a user may see: their purchases and their sales (all for staff)."""
    ventas = Venta.objects.select_related("producto", "comprador", "vendedor")
    if usuario.is_staff:
        return ventas
    return ventas.filter(Q(comprador=usuario) | Q(vendedor=usuario))


def es_vendedor(usuario) -> bool:
    return usuario.is_authenticated and (usuario.is_staff or usuario.productos.exists())
