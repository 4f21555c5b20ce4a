"""The shop's business operations: buying, the cart, inventory, invoices, the emails they send.

Views, tasks, commands and the admin call these functions; the rules live here once.
Every operation a Celery task performs is idempotent, because with ``acks_late`` any
task may run twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from myproject.commit import partial
from notificaciones.services import notificar

from . import invoices
from .emails import construir_email, enviar_email_una_vez
from .models import CarritoCompra, EnvioEmail, ItemCarrito, MovimientoInventario, Producto, Venta

logger = logging.getLogger(__name__)


class ErrorVenta(Exception):
    """A purchase the shopper can fix: the message is shown to them as is."""


class StockInsuficiente(ErrorVenta):
    pass


class CarritoVacio(ErrorVenta):
    pass


class CantidadInvalida(ErrorVenta):
    pass


# Buying
# ------------------------------------------------------------------------------


def _validar_cantidad(cantidad: int) -> None:
    if not 1 <= cantidad <= settings.MAX_CANTIDAD_POR_COMPRA:
        raise CantidadInvalida(f"La cantidad debe estar entre 1 y {settings.MAX_CANTIDAD_POR_COMPRA}.")


def _reservar_stock(producto_id: int, cantidad: int) -> Producto:
    """Take ``cantidad`` units out of stock, or raise: never below zero.

    One conditional UPDATE: the database re-checks ``stock >= cantidad`` on the row it
    writes, under its own row lock, so concurrent buyers cannot oversell on SQLite or
    PostgreSQL.
    """
    reservado = Producto.objects.filter(pk=producto_id, activo=True, stock__gte=cantidad).update(
        stock=F("stock") - cantidad
    )
    producto = Producto.objects.select_related("vendedor").filter(pk=producto_id, activo=True).first()
    if producto is None:
        raise Producto.DoesNotExist(f"No existe el producto {producto_id}.")
    if not reservado:
        if producto.stock == 0:
            raise StockInsuficiente(f"«{producto.nombre}» está agotado.")
        raise StockInsuficiente(f"Solo quedan {producto.stock} unidades de «{producto.nombre}».")
    return producto


def _registrar_venta(*, comprador, producto: Producto, cantidad: int) -> Venta:
    venta = Venta.objects.create(
        producto=producto,
        comprador=comprador,
        vendedor=producto.vendedor,
        cantidad=cantidad,
        precio_unitario=producto.precio,
        monto=producto.precio * cantidad,
    )
    venta.numero = f"{timezone.localdate(venta.fecha_creacion):%Y%m%d}-{venta.pk:05d}"
    venta.save(update_fields=["numero"])
    MovimientoInventario.objects.create(
        producto=producto,
        venta=venta,
        cantidad=-cantidad,
        motivo=MovimientoInventario.Motivo.VENTA,
        stock_resultante=producto.stock,
    )
    notificar(
        usuario=producto.vendedor,
        tipo="nueva_venta",
        titulo=f"Nueva venta: {producto.nombre}",
        mensaje=f"{comprador.get_username()} compró {cantidad} × {producto.nombre}",
        datos={
            "venta_id": venta.pk,
            "numero": venta.numero,
            "monto": str(venta.monto),
            # What the seller dashboard needs to add the row and update the stock live.
            "producto_id": producto.pk,
            "producto": producto.nombre,
            "cantidad": cantidad,
            "stock": producto.stock,
        },
    )
    transaction.on_commit(partial(_despachar_trabajo_de_venta, venta.pk), robust=True)
    return venta


def _despachar_trabajo_de_venta(venta_id: int) -> None:
    from . import tasks

    tasks.procesar_venta_completa.delay(venta_id)


@transaction.atomic
def comprar(*, comprador, producto_id: int, cantidad: int) -> Venta:
    """Buy ``cantidad`` units of one product; the slow work runs after commit."""
    _validar_cantidad(cantidad)
    producto = _reservar_stock(producto_id, cantidad)
    return _registrar_venta(comprador=comprador, producto=producto, cantidad=cantidad)


# Recovery
# ------------------------------------------------------------------------------


def reenviar_ventas_pendientes(*, ahora=None) -> int:
    """Send the pipeline again for sales still pending after ``VENTAS_REENVIO_TRAS``; return how many.

    A sale whose dispatch was lost (the broker was down when it committed, or a
    Redis without persistence restarted) is finished this way without anyone acting.
    Every task of the pipeline is idempotent, so re-sending a sale that is merely
    slow costs a little work and changes nothing. Sales older than
    ``VENTAS_REENVIO_MAX_EDAD`` are left to a person and only logged.
    """
    ahora = ahora or timezone.now()
    # A buyer without an email address never gets a confirmation, so the sale
    # stays pending by design; re-sending it would loop forever.
    pendientes = Venta.objects.filter(estado=Venta.Estado.PENDIENTE).exclude(comprador__email="")
    limite = ahora - timedelta(seconds=settings.VENTAS_REENVIO_MAX_EDAD)
    if abandonadas := pendientes.filter(fecha_creacion__lt=limite).count():
        logger.warning("%s ventas pendientes desde antes de %s; revísalas a mano", abandonadas, limite)
    lote = list(
        pendientes.filter(
            fecha_creacion__gte=limite, fecha_creacion__lt=ahora - timedelta(seconds=settings.VENTAS_REENVIO_TRAS)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.VENTAS_REENVIO_LOTE]
    )
    for venta_id in lote:
        # Outside a transaction on_commit runs at once; robust, so one failed send
        # (broker still down) is logged and the next run tries again.
        transaction.on_commit(partial(_despachar_trabajo_de_venta, venta_id), robust=True)
    if lote:
        logger.warning("Reenviadas %s ventas pendientes: %s", len(lote), lote)
    return len(lote)


# Cart
# ------------------------------------------------------------------------------


def carrito_abierto(usuario, *, crear: bool = False) -> CarritoCompra | None:
    """Return the user's cart that is not bought yet, creating it when asked."""
    if crear:
        return CarritoCompra.objects.get_or_create(usuario=usuario, comprado=False)[0]
    return CarritoCompra.objects.filter(usuario=usuario, comprado=False).first()


@transaction.atomic
def agregar_al_carrito(*, usuario, producto_id: int, cantidad: int) -> ItemCarrito:
    """Add units of a product to the user's open cart (created on first use)."""
    producto = Producto.objects.get(pk=producto_id, activo=True)
    carrito = carrito_abierto(usuario, crear=True)
    item, creado = ItemCarrito.objects.get_or_create(
        carrito=carrito, producto=producto, defaults={"cantidad": cantidad}
    )
    if not creado:
        item.cantidad += cantidad
    _validar_cantidad(item.cantidad)
    if item.cantidad > producto.stock:
        raise StockInsuficiente(f"Solo quedan {producto.stock} unidades de «{producto.nombre}».")
    item.save()
    carrito.save(update_fields=["ultima_modificacion"])
    return item


@transaction.atomic
def cambiar_cantidad(*, usuario, item_id: int, cantidad: int) -> None:
    """Set an item's quantity; zero removes it."""
    item = ItemCarrito.objects.select_related("carrito").get(
        pk=item_id, carrito__usuario=usuario, carrito__comprado=False
    )
    if cantidad == 0:
        item.delete()
    else:
        _validar_cantidad(cantidad)
        item.cantidad = cantidad
        item.save(update_fields=["cantidad"])
    item.carrito.save(update_fields=["ultima_modificacion"])


@transaction.atomic
def comprar_carrito(*, usuario) -> list[Venta]:
    """Check the whole cart out: every item is bought, or none is."""
    carrito = CarritoCompra.objects.select_for_update().filter(usuario=usuario, comprado=False).first()
    # Products in id order, so two checkouts lock rows in the same order.
    items = list(carrito.items.select_related("producto").order_by("producto_id")) if carrito else []
    if not items:
        raise CarritoVacio("Tu carrito está vacío.")
    ventas = []
    for item in items:
        producto = _reservar_stock(item.producto_id, item.cantidad)
        ventas.append(_registrar_venta(comprador=usuario, producto=producto, cantidad=item.cantidad))
    carrito.comprado = True
    carrito.save(update_fields=["comprado", "ultima_modificacion"])
    return ventas


# Inventory
# ------------------------------------------------------------------------------


@transaction.atomic
def reponer_stock(*, producto_id: int, cantidad: int) -> Producto:
    """Add stock from the supplier; re-arms the low-stock alert once over the minimum."""
    if cantidad <= 0:
        raise CantidadInvalida("La reposición debe ser positiva.")
    Producto.objects.filter(pk=producto_id).update(stock=F("stock") + cantidad)
    producto = Producto.objects.get(pk=producto_id)
    MovimientoInventario.objects.create(
        producto=producto,
        cantidad=cantidad,
        motivo=MovimientoInventario.Motivo.REPOSICION,
        stock_resultante=producto.stock,
    )
    revisar_stock(producto_id=producto_id)
    return producto


@transaction.atomic
def revisar_stock(*, producto_id: int) -> bool:
    """Alert the supplier when stock has crossed under the minimum; return whether it did.

    The product row is locked, so two workers checking at once see one crossing. The
    flag is cleared when stock is back over the minimum, ready for the next crossing.
    """
    producto = Producto.objects.select_for_update().get(pk=producto_id)
    if producto.stock_bajo and not producto.alerta_stock_enviada:
        producto.alerta_stock_enviada = True
        producto.cruces_stock_bajo += 1
        producto.save(update_fields=["alerta_stock_enviada", "cruces_stock_bajo"])
        transaction.on_commit(partial(_despachar_aviso_stock, producto.pk, producto.cruces_stock_bajo), robust=True)
        return True
    if not producto.stock_bajo and producto.alerta_stock_enviada:
        producto.alerta_stock_enviada = False
        producto.save(update_fields=["alerta_stock_enviada"])
    return False


def _despachar_aviso_stock(producto_id: int, cruce: int) -> None:
    from . import tasks

    tasks.notificar_stock_bajo.delay(producto_id, cruce)


# Invoices
# ------------------------------------------------------------------------------


def generar_factura(*, venta_id: int) -> str:
    """Draw the sale's PDF invoice once and store it; return its storage name."""
    venta = Venta.objects.select_related("producto", "comprador", "vendedor").get(pk=venta_id)
    if venta.factura:
        return venta.factura.name
    pdf = invoices.dibujar_factura(
        invoices.DatosFactura(
            numero=venta.numero,
            fecha=timezone.localtime(venta.fecha_creacion),
            vendedor=venta.vendedor.get_full_name() or venta.vendedor.get_username(),
            comprador=venta.comprador.get_full_name() or venta.comprador.get_username(),
            comprador_email=venta.comprador.email,
            producto=venta.producto.nombre,
            cantidad=venta.cantidad,
            precio_unitario=venta.precio_unitario,
            total=venta.monto,
        )
    )
    nombre = default_storage.save(f"facturas/factura-{venta.numero}.pdf", ContentFile(pdf))
    # Only the first writer records its file; a duplicate run removes its own copy.
    if not Venta.objects.filter(pk=venta_id, factura="").update(factura=nombre):
        default_storage.delete(nombre)
        return Venta.objects.values_list("factura", flat=True).get(pk=venta_id)
    return nombre


# Emails
# ------------------------------------------------------------------------------


def enviar_confirmacion(*, venta_id: int) -> bool:
    """Email the buyer their confirmation with the invoice attached, once."""
    venta = Venta.objects.select_related("producto", "comprador", "vendedor").get(pk=venta_id)
    if not venta.comprador.email:
        logger.warning("Venta %s: el comprador no tiene email", venta.numero)
        return False
    if not venta.factura:
        venta.factura.name = generar_factura(venta_id=venta_id)

    def construir():
        mensaje = construir_email(
            plantilla="confirmacion_venta",
            asunto=f"Confirmación de tu compra {venta.numero}",
            para=[venta.comprador.email],
            contexto={"venta": venta},
        )
        with venta.factura.open("rb") as pdf:
            mensaje.attach(f"factura-{venta.numero}.pdf", pdf.read(), "application/pdf")
        return mensaje

    clave = f"confirmacion:venta:{venta.pk}"
    enviado = enviar_email_una_vez(clave, construir)
    # Also when an earlier run sent it but died before recording it here.
    if EnvioEmail.objects.filter(clave=clave, enviado__isnull=False).exists():
        Venta.objects.filter(pk=venta_id).update(email_enviado=True, estado=Venta.Estado.COMPLETADA)
    return enviado


def enviar_aviso_stock_bajo(*, producto_id: int, cruce: int) -> bool:
    """Tell the supplier that a product fell under its minimum stock, once per crossing."""
    producto = Producto.objects.select_related("proveedor").get(pk=producto_id)
    return enviar_email_una_vez(
        f"stock_bajo:producto:{producto.pk}:{cruce}",
        lambda: construir_email(
            plantilla="stock_bajo",
            asunto=f"Stock bajo: {producto.nombre}",
            para=[producto.proveedor.email],
            contexto={"producto": producto},
        ),
    )


# Abandoned carts (a Beat job)
# ------------------------------------------------------------------------------

# A cart nobody touched for this long is abandoned; once reminded, its owner has
# GRACIA_RECORDATORIO to come back before it is deleted.
ABANDONO_CARRITO = timedelta(days=7)
GRACIA_RECORDATORIO = timedelta(days=1)


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

    The mark is a queryset ``update`` so it does not bump ``ultima_modificacion``
    (auto_now), which would make the cart look active.
    """
    marcado = CarritoCompra.objects.filter(pk=carrito_id, comprado=False, recordatorio_enviado__isnull=True).update(
        recordatorio_enviado=ahora or timezone.now()
    )
    if marcado:
        transaction.on_commit(partial(_despachar_recordatorio, carrito_id), robust=True)
    return bool(marcado)


def _despachar_recordatorio(carrito_id: int) -> None:
    from . import tasks

    tasks.enviar_recordatorio_carrito.delay(carrito_id)


def enviar_recordatorio_carrito(*, carrito_id: int) -> bool:
    """Email the owner of a reminded cart what is waiting in it, once. Return True if sent now.

    Nothing is sent when the cart was bought or deleted meanwhile, or has no items.
    """
    carrito = (
        CarritoCompra.objects.select_related("usuario")
        .filter(pk=carrito_id, comprado=False, recordatorio_enviado__isnull=False)
        .first()
    )
    items = list(carrito.items.select_related("producto")) if carrito else []
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
