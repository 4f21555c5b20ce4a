"""The shop's business operations, one module per role; their public names are re-exported here.

Views, tasks, commands and the admin call ``services.<operation>``; the rules live in
the modules once:

- ``compras``: the checkout of one product or a whole cart into one order, and the errors a shopper can fix;
- ``estados``: the order's state changes (paid, declined, expired), one conditional update each;
- ``carrito``: the cart, and the Beat job for abandoned carts;
- ``inventario``: restocking, stock adjustments and the low-stock alert;
- ``productos``: a seller creating and editing their products (never the stock);
- ``postventa``: what follows a paid order (invoice, confirmation email) or a declined one (its email).

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
from .compras import (
    CantidadInvalida,
    CarritoVacio,
    CompraPropia,
    DatosEnvio,
    ErrorVenta,
    MetodoDePagoInvalido,
    ProductoNoDisponible,
    StockInsuficiente,
    comprar,
    comprar_carrito,
    guardar_direccion,
)
from .estados import anotar_pago, marcar_expirada, marcar_pagada, marcar_rechazada
from .inventario import MOTIVOS_DE_AJUSTE, actualizar_inventario, ajustar_stock, notificar_stock_bajo, reponer_stock
from .postventa import VentaNoPagada, enviar_email_confirmacion, enviar_email_pago_rechazado, generar_factura_pdf
from .productos import CAMPOS_EDITABLES, ProveedorRequerido, crear_producto, editar_producto

__all__ = [
    "ABANDONO_CARRITO",
    "GRACIA_RECORDATORIO",
    "CAMPOS_EDITABLES",
    "MOTIVOS_DE_AJUSTE",
    "CantidadInvalida",
    "CarritoVacio",
    "CompraPropia",
    "DatosEnvio",
    "ErrorVenta",
    "MetodoDePagoInvalido",
    "ProductoNoDisponible",
    "ProveedorRequerido",
    "StockInsuficiente",
    "VentaNoPagada",
    "actualizar_inventario",
    "ajustar_stock",
    "agregar_al_carrito",
    "anotar_pago",
    "cambiar_cantidad",
    "comprar",
    "comprar_carrito",
    "crear_producto",
    "editar_producto",
    "enviar_email_confirmacion",
    "enviar_email_pago_rechazado",
    "enviar_recordatorio_carrito",
    "generar_factura_pdf",
    "guardar_direccion",
    "limpiar_carritos_abandonados",
    "marcar_expirada",
    "marcar_pagada",
    "marcar_rechazada",
    "marcar_recordatorio",
    "notificar_stock_bajo",
    "reponer_stock",
]
