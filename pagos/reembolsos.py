"""Refund a cancelled order through one Stripe Refund for its whole charge, at most once.

The steps, each safe to repeat: (1) the cancellation writes a ``Reembolso`` row
(``pendiente``) and this task to the outbox, in its own transaction; (2) a run claims
the row for a lease, so two runs never talk to Stripe about it at once; (3) it asks
Stripe for the PaymentIntent's refunds and adopts ours (by ``metadata.venta_id``) if a
run that died made it; otherwise it creates one, with an idempotency key; (4) it stores
the refund id and Stripe's verdict. Stripe refusing → ``fallido`` with the reason;
Stripe unreachable → the task retries, and after ``REEMBOLSO_MAX_REINTENTOS`` the row
stays ``pendiente`` with its error: visible in the admin, never dropped.
"""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from outbox import services as outbox

from . import stripe_cliente
from .models import Pago, Reembolso

logger = logging.getLogger(__name__)

TAREA = "pagos.tasks.reembolsar_venta"


class ReembolsoNoDisponible(Exception):
    """Stripe (or the network to it) failed for now, or another run holds the refund: try again later."""


def solicitar_reembolso(venta) -> Reembolso | None:
    """Write the refund of a paid order that was just cancelled, and its task; call inside that transaction.

    Return None when nothing was charged (no PaymentIntent): nothing to give back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("solicitar_reembolso() belongs inside the cancellation's transaction")
    pago = Pago.objects.filter(venta_id=venta.pk).first()
    payment_intent_id = venta.pago_referencia or (pago.payment_intent_id if pago else "")
    if not payment_intent_id:
        return None
    monto = pago.monto_centavos if pago else stripe_cliente.centavos(venta.total)
    reembolso, creado = Reembolso.objects.get_or_create(
        venta_id=venta.pk, defaults={"payment_intent_id": payment_intent_id, "monto_centavos": monto}
    )
    if creado:
        outbox.enqueue(TAREA, args=[venta.pk])
    return reembolso


def _reclamar(venta_id: int) -> bool:
    ahora = timezone.now()
    libre = Q(reclamado_hasta__isnull=True) | Q(reclamado_hasta__lt=ahora)
    plazo = timedelta(seconds=2 * settings.STRIPE_TIMEOUT + 5)
    return bool(
        Reembolso.objects.filter(libre, pk=venta_id, estado=Reembolso.Estado.PENDIENTE).update(
            reclamado_hasta=ahora + plazo, intentos=F("intentos") + 1
        )
    )


def _soltar(venta_id: int, **campos) -> None:
    Reembolso.objects.filter(pk=venta_id).update(reclamado_hasta=None, **campos)


def reembolsar(*, venta_id: int) -> str:
    """Refund order ``venta_id`` once; return the refund's state ("reembolsado", "fallido", "pendiente").

    Raise :class:`ReembolsoNoDisponible` when Stripe could not be reached or another run
    holds the refund; the caller retries later and this goes on from what is stored.
    """
    reembolso = Reembolso.objects.filter(pk=venta_id).first()
    if reembolso is None:
        logger.warning("Venta %s: no hay reembolso que hacer", venta_id)
        return "sin_reembolso"
    if reembolso.estado != Reembolso.Estado.PENDIENTE:
        return reembolso.estado
    if not _reclamar(venta_id):
        raise ReembolsoNoDisponible(f"el reembolso de la venta {venta_id} está en curso en otro worker")
    cliente = stripe_cliente.cliente()
    try:
        refund = _refund_existente(cliente, reembolso) or cliente.v1.refunds.create(
            params={
                "payment_intent": reembolso.payment_intent_id,
                "amount": reembolso.monto_centavos,
                "metadata": {"venta_id": str(venta_id)},
            },
            options={"idempotency_key": f"venta-{venta_id}-reembolso"},
        )
    except stripe_cliente.ERRORES_TEMPORALES as error:
        _soltar(venta_id, ultimo_error=f"{type(error).__name__}: {error}"[:2000])
        raise ReembolsoNoDisponible(str(error)) from error
    except stripe.StripeError as error:
        # Stripe refused it (a payment it cannot refund): trying again cannot help; staff must look.
        logger.error("Stripe rechazó el reembolso de la venta %s: %s", venta_id, error)
        _soltar(venta_id, estado=Reembolso.Estado.FALLIDO, ultimo_error=f"{type(error).__name__}: {error}"[:2000])
        return Reembolso.Estado.FALLIDO
    estado = {
        "succeeded": Reembolso.Estado.REEMBOLSADO,
        "failed": Reembolso.Estado.FALLIDO,
        "canceled": Reembolso.Estado.FALLIDO,
    }.get(refund.status, Reembolso.Estado.PENDIENTE)
    _soltar(venta_id, refund_id=refund.id, estado=estado, ultimo_error="" if estado != "fallido" else refund.status)
    logger.info("Venta %s: reembolso %s %s", venta_id, refund.id, refund.status)
    if estado == Reembolso.Estado.PENDIENTE:
        # Stripe still processes it: ask again later (the task's retries), by its stored id.
        raise ReembolsoNoDisponible(f"Stripe aún procesa el reembolso {refund.id} ({refund.status})")
    return estado


def _refund_existente(cliente: stripe.StripeClient, reembolso: Reembolso):
    """Return the refund stored, or the one a run that died made (ours by its metadata), or None."""
    if reembolso.refund_id:
        return cliente.v1.refunds.retrieve(reembolso.refund_id)
    refunds = cliente.v1.refunds.list(params={"payment_intent": reembolso.payment_intent_id, "limit": 100})
    for refund in refunds.data:
        if (refund.to_dict().get("metadata") or {}).get("venta_id") == str(reembolso.venta_id):
            return refund
    return None


def marcar_sin_respuesta(*, venta_id: int, error: str) -> None:
    """The task gave up retrying: the refund stays ``pendiente`` with why, for staff in the admin."""
    _soltar(venta_id, ultimo_error=f"Sin respuesta de Stripe tras los reintentos: {error}"[:2000])


@transaction.atomic
def reintentar(*, venta_ids) -> int:
    """Send the refunds of ``venta_ids`` again (pending or failed, not done); return how many.

    For staff once Stripe is back or the cause is fixed: the same once-only task, which
    finds a refund already made before it makes one.
    """
    filas = Reembolso.objects.filter(pk__in=venta_ids).exclude(estado=Reembolso.Estado.REEMBOLSADO)
    ids = sorted(filas.values_list("pk", flat=True))
    filas.update(estado=Reembolso.Estado.PENDIENTE, reclamado_hasta=None)
    for venta_id in ids:
        outbox.enqueue(TAREA, args=[venta_id])
    return len(ids)
