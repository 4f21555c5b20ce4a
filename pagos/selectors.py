"""What the buyer's sale page shows of the payment (placeholder until the pagos app lands)."""


def resumen_pago(venta, usuario) -> dict:
    return {"nota": venta.pago_nota}
