"""After a sale: its PDF invoice, the buyer's confirmation email, and the sweeper that re-sends lost work.

The pipeline task (``tasks.procesar_venta_completa``) runs these after the sale
committed; each is idempotent, because with ``acks_late`` any task may run twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from outbox import services as outbox

from .. import facturas, selectors
from ..emails import construir_email, enviar_email_una_vez
from ..models import EnvioEmail, Venta

logger = logging.getLogger(__name__)


def despachar_trabajo_de_venta(venta_id: int) -> None:
    """Queue the sale's pipeline in the outbox; called in the checkout's transaction."""
    outbox.enqueue("ventas.tasks.procesar_venta_completa", args=[venta_id])


def generar_factura_pdf(*, venta_id: int) -> str:
    """Draw the sale's PDF invoice once and store it; return its storage name."""
    venta = selectors.ventas_con_detalle().get(pk=venta_id)
    if venta.factura:
        return venta.factura.name
    pdf = facturas.dibujar_factura(
        facturas.DatosFactura(
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


def enviar_email_confirmacion(*, venta_id: int) -> bool:
    """Email the buyer their confirmation with the invoice attached, once."""
    venta = selectors.ventas_con_detalle().get(pk=venta_id)
    if not venta.comprador.email:
        logger.warning("Venta %s: el comprador no tiene email", venta.numero)
        return False
    if not venta.factura:
        venta.factura.name = generar_factura_pdf(venta_id=venta_id)

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
        with transaction.atomic():
            despachar_trabajo_de_venta(venta_id)
    if lote:
        logger.warning("Reenviadas %s ventas pendientes: %s", len(lote), lote)
    return len(lote)
