"""After an order is paid: its PDF invoice and the buyer's confirmation email; and the email of a declined one.

The pipeline task (``tasks.procesar_venta_completa``) runs these once the order is
paid (``estados.marcar_pagada`` queues it); each is idempotent, because with
``acks_late`` any task may run twice, and the outbox may publish a task twice (see
docs/reliability.md).
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .. import facturas, selectors
from ..emails import construir_email, enviar_email_una_vez
from ..models import EnvioEmail, Venta

logger = logging.getLogger(__name__)


class VentaNoPagada(Exception):
    """An invoice or confirmation was asked for an order that is not paid."""


def _nombre(usuario) -> str:
    return usuario.get_full_name() or usuario.get_username()


def generar_factura_pdf(*, venta_id: int) -> str:
    """Draw the paid order's PDF invoice once and store it; return its storage name."""
    venta = selectors.ventas_con_detalle().get(pk=venta_id)
    if venta.factura:
        return venta.factura.name
    if not venta.pagada:
        raise VentaNoPagada(f"La venta {venta.numero} está {venta.estado}: no se factura.")
    pdf = facturas.dibujar_factura(
        facturas.DatosFactura(
            numero=venta.numero,
            fecha=timezone.localtime(venta.fecha_pago or venta.fecha_creacion),
            comprador=_nombre(venta.comprador),
            comprador_email=venta.comprador.email,
            envio=tuple(
                fila
                for fila in (
                    venta.envio_nombre,
                    venta.envio_direccion,
                    f"{venta.envio_codigo_postal} {venta.envio_ciudad}".strip(),
                    venta.envio_telefono and f"Tel. {venta.envio_telefono}",
                )
                if fila
            ),
            lineas=tuple(
                facturas.LineaFactura(
                    producto=linea.producto.nombre,
                    vendedor=_nombre(linea.vendedor),
                    cantidad=linea.cantidad,
                    precio_unitario=linea.precio_unitario,
                    subtotal=linea.subtotal,
                )
                for linea in venta.lineas.all()
            ),
            total=venta.total,
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
        Venta.objects.filter(pk=venta_id).update(email_enviado=True)
    return enviado


def enviar_email_pago_rechazado(*, venta_id: int) -> bool:
    """Tell the buyer, once, that their card was declined and nothing was charged."""
    venta = selectors.ventas_con_detalle().get(pk=venta_id)
    if not venta.comprador.email:
        return False
    return enviar_email_una_vez(
        f"pago_rechazado:venta:{venta.pk}",
        lambda: construir_email(
            plantilla="pago_rechazado",
            asunto=f"No pudimos cobrar tu pedido {venta.numero}",
            para=[venta.comprador.email],
            contexto={"venta": venta},
        ),
    )
