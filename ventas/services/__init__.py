"""The shop's business operations, one module per role; their public names are re-exported here.

Views, tasks, commands and the admin call ``services.<operation>``; the rules live in
the modules once:

- ``compras``: buying one product or a whole cart, and the errors a shopper can fix;
- ``carrito``: the cart, and the Beat job for abandoned carts;
- ``inventario``: restocking and the low-stock alert;
- ``postventa``: what follows a sale (its pipeline's dispatch, invoice, confirmation email).

Every operation a Celery task performs is idempotent, because with ``acks_late`` any
task may run twice. The tasks an operation starts are outbox rows of its transaction
(``outbox.services.enqueue``), published after commit.
"""

from .carrito import (
    ABANDONO_CARRITO,
    GRACIA_RECORDATORIO,
    agregar_al_carrito,
    cambiar_cantidad,
    enviar_recordatorio_carrito,
    limpiar_carritos_abandonados,
    marcar_recordatorio,
)
from .compras import CantidadInvalida, CarritoVacio, ErrorVenta, StockInsuficiente, comprar, comprar_carrito
from .inventario import actualizar_inventario, notificar_stock_bajo, reponer_stock
from .postventa import enviar_email_confirmacion, generar_factura_pdf

__all__ = [
    "ABANDONO_CARRITO",
    "GRACIA_RECORDATORIO",
    "CantidadInvalida",
    "CarritoVacio",
    "ErrorVenta",
    "StockInsuficiente",
    "actualizar_inventario",
    "agregar_al_carrito",
    "cambiar_cantidad",
    "comprar",
    "comprar_carrito",
    "enviar_email_confirmacion",
    "enviar_recordatorio_carrito",
    "generar_factura_pdf",
    "limpiar_carritos_abandonados",
    "marcar_recordatorio",
    "notificar_stock_bajo",
    "reponer_stock",
]
