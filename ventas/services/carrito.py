"""The cart: adding and changing items, and the Beat job that reminds and deletes abandoned carts.

Checking a cart out is buying, see ``compras.comprar_carrito``.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from outbox import services as outbox

from .. import selectors
from ..emails import construir_email, enviar_email_una_vez
from ..models import CarritoCompra, ItemCarrito
from .compras import StockInsuficiente, validar_cantidad

# A cart nobody touched for this long is abandoned; once reminded, its owner has
# GRACIA_RECORDATORIO to come back before it is deleted.
ABANDONO_CARRITO = timedelta(days=7)
GRACIA_RECORDATORIO = timedelta(days=1)


def _carrito_bloqueado(usuario) -> CarritoCompra | None:
    """Return the user's open cart with its row locked until commit, or None.

    Locked before anything is read from it: the abandoned-cart cleanup either waits for
    this transaction (then finds the cart touched and keeps it) or has already deleted
    the cart, and then there is none. Read without the lock, the cart could be deleted
    under the request, whose writes then failed on PostgreSQL (a 500).
    """
    return selectors.carrito_abierto(usuario, bloquear=True)


@transaction.atomic
def agregar_al_carrito(*, usuario, producto_id: int, cantidad: int) -> ItemCarrito:
    """Add units of a product to the user's open cart (created on first use, or when the cleanup just deleted it)."""
    producto = selectors.productos_activos().get(pk=producto_id)
    carrito = _carrito_bloqueado(usuario)
    if carrito is None:
        carrito, _ = CarritoCompra.objects.get_or_create(usuario=usuario, comprado=False)
    item, creado = ItemCarrito.objects.get_or_create(
        carrito=carrito, producto=producto, defaults={"cantidad": cantidad}
    )
    if not creado:
        item.cantidad += cantidad
    validar_cantidad(item.cantidad)
    if item.cantidad > producto.stock:
        raise StockInsuficiente(f"Solo quedan {producto.stock} unidades de «{producto.nombre}».")
    item.save()
    carrito.save(update_fields=["ultima_modificacion"])
    return item


@transaction.atomic
def cambiar_cantidad(*, usuario, item_id: int, cantidad: int) -> None:
    """Set an item's quantity; zero removes it. Raise ItemCarrito.DoesNotExist unless it is in the user's open cart."""
    carrito = _carrito_bloqueado(usuario)
    if carrito is None:
        raise ItemCarrito.DoesNotExist(f"{usuario} no tiene carrito abierto.")
    item = carrito.items.select_related("producto").get(pk=item_id)
    if cantidad == 0:
        item.delete()
    else:
        validar_cantidad(cantidad)
        if cantidad > item.producto.stock:
            raise StockInsuficiente(f"Solo quedan {item.producto.stock} unidades de «{item.producto.nombre}».")
        item.cantidad = cantidad
        item.save(update_fields=["cantidad"])
    carrito.save(update_fields=["ultima_modificacion"])


# Abandoned carts (a Beat job)
# ------------------------------------------------------------------------------


def limpiar_carritos_abandonados(*, ahora=None) -> dict[str, int]:
    """Remind the owner of each abandoned cart once, and delete the carts already reminded.

    A cart is abandoned when it is not bought and untouched for ``ABANDONO_CARRITO``.
    The first run that finds it marks it reminded and queues one reminder email; a
    later run, at least ``GRACIA_RECORDATORIO`` after the reminder, deletes it if it is
    still untouched. Any activity (``ultima_modificacion`` moves) keeps the cart, and a
    cart is never reminded twice. Empty abandoned carts are deleted without a reminder.
    Return how many carts were reminded and deleted.
    """
    ahora = ahora or timezone.now()
    abandonados = CarritoCompra.objects.filter(comprado=False, ultima_modificacion__lt=ahora - ABANDONO_CARRITO)
    with transaction.atomic():
        # Lock and re-check in the database, so a cart touched during this run survives.
        vacio = ~Exists(ItemCarrito.objects.filter(carrito=OuterRef("pk")))
        borrables = abandonados.filter(vacio | Q(recordatorio_enviado__lt=ahora - GRACIA_RECORDATORIO))
        ids = list(borrables.select_for_update().values_list("pk", flat=True))
        _, por_modelo = CarritoCompra.objects.filter(pk__in=ids).delete()
    recordados = 0
    for carrito_id in abandonados.filter(recordatorio_enviado__isnull=True).values_list("pk", flat=True):
        recordados += marcar_recordatorio(carrito_id=carrito_id, ahora=ahora)
    return {"recordados": recordados, "eliminados": por_modelo.get(CarritoCompra._meta.label, 0)}


@transaction.atomic
def marcar_recordatorio(*, carrito_id: int, ahora=None) -> bool:
    """Mark a cart reminded and queue its reminder email, unless it was reminded already.

    The mark and the reminder's outbox row commit together. The mark is a queryset
    ``update`` so it does not bump ``ultima_modificacion`` (auto_now), which would make
    the cart look active.
    """
    marcado = CarritoCompra.objects.filter(pk=carrito_id, comprado=False, recordatorio_enviado__isnull=True).update(
        recordatorio_enviado=ahora or timezone.now()
    )
    if marcado:
        outbox.enqueue("ventas.tasks.enviar_recordatorio_carrito", args=[carrito_id])
    return bool(marcado)


def enviar_recordatorio_carrito(*, carrito_id: int) -> bool:
    """Email the owner of a reminded cart what is waiting in it, once. Return True if sent now.

    Nothing is sent when the cart was bought or deleted meanwhile, or has no items.
    """
    carrito = (
        CarritoCompra.objects.select_related("usuario")
        .filter(pk=carrito_id, comprado=False, recordatorio_enviado__isnull=False)
        .first()
    )
    items = list(selectors.items_del_carrito(carrito)) if carrito else []
    if not items or not carrito.usuario.email:
        return False
    return enviar_email_una_vez(
        f"recordatorio:carrito:{carrito.pk}",
        lambda: construir_email(
            plantilla="recordatorio_carrito",
            asunto="Tu carrito te espera en Mi Tienda",
            para=[carrito.usuario.email],
            contexto={"carrito": carrito, "items": items, "usuario": carrito.usuario},
        ),
    )
