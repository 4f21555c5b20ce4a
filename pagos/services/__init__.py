"""The payment operations, by role: charging an order, Stripe's webhook events, reconciliation.

Every one ends an order's wait through the same conditional transitions of
``ventas.services`` (``marcar_pagada``, ``marcar_rechazada``, ``marcar_expirada``), so
whichever path arrives first changes the state and the others find nothing to do.
"""

from .cobro import NOTA_REINTENTO, NOTA_VERIFICACION, StripeNoDisponible, asentar, cobrar
from .conciliacion import conciliar
from .eventos import EventoInvalido, procesar_evento, registrar_evento

__all__ = [
    "NOTA_REINTENTO",
    "NOTA_VERIFICACION",
    "EventoInvalido",
    "StripeNoDisponible",
    "asentar",
    "cobrar",
    "conciliar",
    "procesar_evento",
    "registrar_evento",
]
