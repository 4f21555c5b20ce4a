"""A seller's own products: create and edit everything but the stock, which moves only through movements."""

from decimal import Decimal

from django.db import transaction

from ..models import Producto, Proveedor
from .inventario import actualizar_inventario

# What a seller may change on a product; ``stock`` is never among them (inventario.ajustar_stock).
CAMPOS_EDITABLES = ("nombre", "descripcion", "precio", "stock_minimo", "activo")


class ProveedorRequerido(Exception):
    """No supplier exists yet to receive the low-stock alerts of a new product."""


def proveedor_por_omision() -> Proveedor:
    """Return the supplier of a seller's new product: the first one, by name."""
    proveedor = Proveedor.objects.order_by("nombre", "pk").first()
    if proveedor is None:
        raise ProveedorRequerido("Aún no hay proveedores; pide al administrador que registre uno.")
    return proveedor


@transaction.atomic
def crear_producto(
    *,
    vendedor,
    nombre: str,
    descripcion: str,
    precio: Decimal,
    stock_minimo: int,
    activo: bool = True,
    proveedor: Proveedor | None = None,
) -> Producto:
    """Create a product of ``vendedor`` with no stock: units come in through an adjustment."""
    return Producto.objects.create(
        vendedor=vendedor,
        proveedor=proveedor or proveedor_por_omision(),
        nombre=nombre,
        descripcion=descripcion,
        precio=precio,
        stock=0,
        stock_minimo=stock_minimo,
        activo=activo,
    )


@transaction.atomic
def editar_producto(*, producto: Producto, **cambios) -> Producto:
    """Save the editable fields of ``producto`` (never its stock, which may have moved meanwhile).

    A new minimum may move the product over or under it: the low-stock crossing is checked.
    """
    desconocidos = set(cambios) - set(CAMPOS_EDITABLES)
    if desconocidos:
        raise ValueError(f"Campos que no se editan aquí: {sorted(desconocidos)}")
    for campo, valor in cambios.items():
        setattr(producto, campo, valor)
    producto.save(update_fields=list(cambios) or list(CAMPOS_EDITABLES))
    actualizar_inventario(producto_id=producto.pk)
    producto.refresh_from_db(fields=["stock", "alerta_stock_enviada"])
    return producto
