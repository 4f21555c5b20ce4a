"""Reads of the payments that other apps show."""

from .models import Pago


def resumen_pago(venta, usuario) -> dict:
    """Return what the order's status JSON says about its payment (``/ventas/<id>/estado/`` → "pago").

    ``client_secret`` (what Stripe.js needs for 3-D Secure) only for the order's buyer,
    and only while the bank waits for them.
    """
    pago = Pago.objects.filter(venta_id=venta.pk).first()
    requiere_accion = (
        pago is not None
        and venta.estado == venta.Estado.PENDIENTE_PAGO
        and pago.estado_stripe == "requires_action"
        and bool(pago.client_secret)
    )
    resumen = {
        "estado": venta.estado,
        "nota": venta.pago_nota,
        "referencia": venta.pago_referencia or None,
        "requiere_accion": requiere_accion,
    }
    if requiere_accion and getattr(usuario, "pk", None) == venta.comprador_id:
        resumen["client_secret"] = pago.client_secret
    return resumen
