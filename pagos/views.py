"""The Stripe webhook and the buyer's "I authenticated" signal."""

import json
import logging

import stripe
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from outbox import services as outbox

from . import services

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe signs its requests instead; a CSRF token could not come from it.
@require_POST
def webhook_stripe(request):
    """Verify Stripe's signature, store the event once and answer 200 at once; a task acts on it.

    400, with nothing stored, for a missing, wrong or stale signature or a body that is
    not a JSON event.
    """
    try:
        cuerpo = request.body.decode("utf-8")
        # The SDK's check (what Webhook.construct_event runs first); the body is parsed
        # here, as plain JSON: the SDK's event parsing fails on a JSON body that is not an object.
        stripe.WebhookSignature.verify_header(
            cuerpo,
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCIA,
        )
        nuevo = services.registrar_evento(datos=json.loads(cuerpo))
    except stripe.SignatureVerificationError as error:
        logger.warning("Webhook de Stripe con firma inválida: %s", error)
        return HttpResponse("firma inválida", status=400, content_type="text/plain; charset=utf-8")
    except ValueError:  # not UTF-8, not JSON, not an event (services.EventoInvalido)
        return HttpResponse("no es un evento de Stripe", status=400, content_type="text/plain; charset=utf-8")
    return JsonResponse({"recibido": True, "nuevo": nuevo})


@login_required
@require_POST
def autenticado(request, venta_id: int):
    """The buyer finished 3-D Secure in Stripe.js: charge (settle) the order again, in the worker.

    202 (JSON, for pagos.js) or a redirect back to the sale page (a form without JavaScript);
    the page learns the result from the order's status.
    """
    from ventas.models import Venta

    with transaction.atomic():
        venta = Venta.objects.filter(pk=venta_id, comprador=request.user).first()
        if venta is None:
            raise Http404("No existe esa venta")
        pendiente = venta.estado == Venta.Estado.PENDIENTE_PAGO
        if pendiente:
            outbox.enqueue("pagos.tasks.cobrar_venta", args=[venta.pk])
    if "application/json" not in request.headers.get("Accept", ""):
        return redirect("ventas:venta", venta_id=venta.pk)
    return JsonResponse({"estado": venta.estado, "reintentado": pendiente}, status=202)
