"""After a sale: queuing its pipeline, its PDF invoice, the buyer's confirmation email.

The pipeline task (``tasks.procesar_venta_completa``) runs these after the sale
committed; each is idempotent, because with ``acks_late`` any task may run twice, and
the outbox may publish a task twice (see docs/reliability.md).
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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
