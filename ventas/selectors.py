"""Reusable reads of the shop's data: what views, services and reports share."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from .models import ESTADOS_PAGADOS, CarritoCompra, DireccionEnvio, ItemCarrito, LineaVenta, Producto, Venta


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


def es_vendedor(usuario) -> bool:
    return usuario.is_authenticated and (usuario.is_staff or usuario.productos.exists())


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
