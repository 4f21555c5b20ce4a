"""Reusable reads of the shop's data: what views, services and reports share."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from .models import ESTADOS_PAGADOS, CarritoCompra, DireccionEnvio, ItemCarrito, LineaVenta, Producto, Venta
from .texto import normalizar

# ?orden= of the catalog → its ORDER BY; each ends on the primary key, so the order is
# total and a page boundary never repeats or skips a product.
ORDENES_CATALOGO = {
    "": ("nombre", "pk"),
    "precio": ("precio", "pk"),
    "-precio": ("-precio", "-pk"),
    "nuevos": ("-creado", "-pk"),
}


def productos_activos() -> QuerySet[Producto]:
    """Return the products on sale, with their seller."""
    return Producto.objects.filter(activo=True).select_related("vendedor")


def _con_fotos(productos: QuerySet[Producto]) -> QuerySet[Producto]:
    """Prefetch each product's ready photos, oldest first, as ``fotos_listas``."""
    from imagenes.models import ImagenUsuario

    listas = ImagenUsuario.objects.filter(estado=ImagenUsuario.Estado.LISTA).order_by("creada", "pk")
    return productos.prefetch_related(Prefetch("fotos", queryset=listas, to_attr="fotos_listas"))


def productos_en_catalogo(buscar: str = "", orden: str = "") -> QuerySet[Producto]:
    """Return the products on sale whose name or description holds ``buscar`` (case and accents
    ignored), in ``orden`` (a key of ORDENES_CATALOGO; unknown ones sort by name), with their photos."""
    productos = productos_activos()
    for palabra in normalizar(buscar).split():
        productos = productos.filter(busqueda__contains=palabra)
    return _con_fotos(productos.order_by(*ORDENES_CATALOGO.get(orden, ORDENES_CATALOGO[""])))


def producto_con_fotos(producto_id: int) -> Producto:
    """Return a product on sale with its ready photos (``fotos_listas``); raise DoesNotExist otherwise."""
    return _con_fotos(productos_activos()).get(pk=producto_id)


def productos_del_vendedor(vendedor) -> QuerySet[Producto]:
    """Return the products a seller has on sale."""
    return productos_activos().filter(vendedor=vendedor)


def productos_de(vendedor) -> QuerySet[Producto]:
    """Return every product of a seller, on sale or not: the ones they may edit."""
    return Producto.objects.filter(vendedor=vendedor).order_by("nombre", "pk")


def lineas_del_vendedor(
    vendedor, *, estado: str = "", desde: date | None = None, hasta: date | None = None
) -> QuerySet[LineaVenta]:
    """Return a seller's order lines (theirs only), newest order first, filtered by the order's
    state and by the day it was placed (``desde``/``hasta`` inclusive, in the shop's time zone)."""
    lineas = LineaVenta.objects.filter(vendedor=vendedor).select_related("venta", "producto")
    if estado:
        lineas = lineas.filter(venta__estado=estado)
    if desde:
        lineas = lineas.filter(venta__fecha_creacion__date__gte=desde)
    if hasta:
        lineas = lineas.filter(venta__fecha_creacion__date__lte=hasta)
    return lineas.order_by("-venta__fecha_creacion", "-venta__pk", "pk")


def ventas_con_detalle() -> QuerySet[Venta]:
    """Return the orders with their buyer and lines (what a page, invoice or email shows)."""
    return Venta.objects.select_related("comprador").prefetch_related("lineas__producto", "lineas__vendedor")


def ventas_visibles(usuario) -> QuerySet[Venta]:
    """Return the orders a user may see: their purchases and those with their products (all for staff)."""
    ventas = ventas_con_detalle()
    if usuario.is_staff:
        return ventas
    return ventas.filter(Q(comprador=usuario) | Q(pk__in=LineaVenta.objects.filter(vendedor=usuario).values("venta")))


def direcciones_de(usuario) -> QuerySet[DireccionEnvio]:
    return DireccionEnvio.objects.filter(usuario=usuario)


def carrito_abierto(usuario, *, bloquear: bool = False) -> CarritoCompra | None:
    """Return the user's cart that is not bought yet, or None; ``bloquear`` locks its row until commit."""
    carritos = CarritoCompra.objects.filter(usuario=usuario, comprado=False)
    return (carritos.select_for_update() if bloquear else carritos).first()


def items_del_carrito(carrito: CarritoCompra) -> QuerySet[ItemCarrito]:
    """Return a cart's items with their product."""
    return carrito.items.select_related("producto")


GRUPO_VENDEDORES = "Vendedores"


def es_vendedor(usuario) -> bool:
    """Return whether a user sells: staff, anyone with a product, or a member of the group "Vendedores"
    (how a new seller gets to create their first product)."""
    return usuario.is_authenticated and (
        usuario.is_staff or usuario.productos.exists() or usuario.groups.filter(name=GRUPO_VENDEDORES).exists()
    )


@dataclass(frozen=True)
class FilaVenta:
    """One order as a row of a table: its lines summed (only a seller's own lines on their dashboard)."""

    venta: Venta
    productos: str
    cantidad: int
    monto: Decimal


def filas_de_ventas(ventas, *, vendedor=None) -> list[FilaVenta]:
    """Turn orders (with their lines prefetched) into table rows; with ``vendedor``, only that seller's lines."""
    filas = []
    for venta in ventas:
        lineas = [linea for linea in venta.lineas.all() if vendedor is None or linea.vendedor_id == vendedor.pk]
        filas.append(
            FilaVenta(
                venta=venta,
                productos=", ".join(linea.producto.nombre for linea in lineas),
                cantidad=sum(linea.cantidad for linea in lineas),
                monto=venta.total if vendedor is None else sum((linea.subtotal for linea in lineas), Decimal("0")),
            )
        )
    return filas


def ventas_pagadas_del_vendedor(vendedor) -> QuerySet[Venta]:
    """Return the paid orders holding a seller's products, newest first (a seller hears of an order once paid)."""
    return ventas_con_detalle().filter(
        estado__in=ESTADOS_PAGADOS, pk__in=LineaVenta.objects.filter(vendedor=vendedor).values("venta")
    )
