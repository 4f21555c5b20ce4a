"""The buyer's emails of fulfilment: shipped, delivered, cancelled; each sent once per order."""

from ventas import selectors
from ventas.emails import construir_email, enviar_email_una_vez


def _enviar(venta_id: int, clave: str, plantilla: str, asunto: str) -> bool:
    venta = selectors.ventas_con_detalle().get(pk=venta_id)
    if not venta.comprador.email:
        return False
    return enviar_email_una_vez(
        f"{clave}:venta:{venta.pk}",
        lambda: construir_email(
            plantilla=plantilla,
            asunto=asunto.format(numero=venta.numero),
            para=[venta.comprador.email],
            contexto={"venta": venta, "lineas": list(venta.lineas.all())},
        ),
    )


def enviar_email_envio(*, venta_id: int) -> bool:
    return _enviar(venta_id, "envio", "venta_enviada", "Tu pedido {numero} va en camino")


def enviar_email_entrega(*, venta_id: int) -> bool:
    return _enviar(venta_id, "entrega", "venta_entregada", "Tu pedido {numero} fue entregado")


def enviar_email_cancelacion(*, venta_id: int) -> bool:
    return _enviar(venta_id, "cancelacion", "venta_cancelada", "Cancelamos tu pedido {numero}")
