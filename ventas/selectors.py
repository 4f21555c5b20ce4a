"""Reusable reads of the shop's data: what views, services and reports share."""

from django.db.models import Q, QuerySet

from .models import CarritoCompra, ItemCarrito, Producto, Venta


def productos_activos() -> QuerySet[Producto]:
    """Return the products on sale, with their seller."""
    return Producto.objects.filter(activo=True).select_related("vendedor")


def productos_en_catalogo(buscar: str = "") -> QuerySet[Producto]:
    productos = productos_activos()
    if buscar:
        productos = productos.filter(nombre__icontains=buscar)
    return productos


def productos_del_vendedor(vendedor) -> QuerySet[Producto]:
    """Return the products a seller has on sale."""
    return productos_activos().filter(vendedor=vendedor)


def ventas_con_detalle() -> QuerySet[Venta]:
    """Return the sales with their product, buyer and seller (what a page, invoice or email shows)."""
    return Venta.objects.select_related("producto", "comprador", "vendedor")


def ventas_visibles(usuario) -> QuerySet[Venta]:
    """Return the sales a user may see: their purchases and their sales (all for staff)."""
    ventas = ventas_con_detalle()
    if usuario.is_staff:
        return ventas
    return ventas.filter(Q(comprador=usuario) | Q(vendedor=usuario))


def carrito_abierto(usuario, *, bloquear: bool = False) -> CarritoCompra | None:
    """Return the user's cart that is not bought yet, or None; ``bloquear`` locks its row until commit."""
    carritos = CarritoCompra.objects.filter(usuario=usuario, comprado=False)
    return (carritos.select_for_update() if bloquear else carritos).first()


def items_del_carrito(carrito: CarritoCompra) -> QuerySet[ItemCarrito]:
    """Return a cart's items with their product."""
    return carrito.items.select_related("producto")


def es_vendedor(usuario) -> bool:
    return usuario.is_authenticated and (usuario.is_staff or usuario.productos.exists())
