"""The external warehouse system: its events written once, delivered in order per order, signed.

``registrar`` writes an order's event (and its delivery task, through the outbox) once;
``entregar_eventos`` POSTs an order's pending events oldest first, one at a time,
holding a lease so two workers never deliver the same order at once. A timeout, a
connection error or a 5xx is retried with backoff (the task raises
:class:`ReintentarEntrega`); after ``ALMACEN_WEBHOOK_MAX_INTENTOS`` attempts, or at once on a
4xx refusal, the event is ``muerto`` and its order's later events wait behind it until
staff retry it from the admin.
"""

import json
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox import services as outbox

from . import avisos, firma
from .models import EventoAlmacen

logger = logging.getLogger(__name__)

TAREA = "almacen.tasks.entregar_eventos_almacen"


class ReintentarEntrega(Exception):  # noqa: N818 - a request to the task, not an error
    def __init__(self, mensaje: str, segundos: float):
        super().__init__(mensaje)
        self.segundos = segundos


def registrar(venta, tipo: str) -> tuple[EventoAlmacen, bool]:
    """Write the order's event ``tipo`` once, inside a transaction; return it and whether this call wrote it.

    With ``WAREHOUSE_WEBHOOK_URL`` set its delivery task goes to the outbox with it;
    without, the row only records that the event happened (``sin_destino``).
    """
    url = settings.WAREHOUSE_WEBHOOK_URL
    evento, creado = EventoAlmacen.objects.get_or_create(
        venta=venta,
        tipo=tipo,
        defaults={
            "url": url,
            "datos": avisos.datos_para_el_almacen(venta),
            "estado": EventoAlmacen.Estado.PENDIENTE if url else EventoAlmacen.Estado.SIN_DESTINO,
        },
    )
    if creado and url:
        outbox.enqueue(TAREA, args=[venta.pk])
    return evento, creado


def cuerpo(evento: EventoAlmacen) -> bytes:
    """Return the JSON body POSTed for ``evento`` (docs/almacen.md)."""
    datos = {"id": str(evento.clave), "tipo": evento.tipo, "creado": evento.creado.isoformat(), "venta": evento.datos}
    return json.dumps(datos, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def espera(intento: int) -> float:
    """Seconds before attempt ``intento + 1``: doubling from ALMACEN_WEBHOOK_REINTENTO_SEGUNDOS, capped."""
    return min(settings.ALMACEN_WEBHOOK_REINTENTO_SEGUNDOS * 2 ** (intento - 1), settings.CELERY_MAX_RETRY_DELAY)


def _reclamar(evento: EventoAlmacen) -> bool:
    ahora = timezone.now()
    plazo = timedelta(seconds=2 * settings.ALMACEN_WEBHOOK_TIMEOUT + 5)
    libre = Q(reclamado_hasta__isnull=True) | Q(reclamado_hasta__lt=ahora)
    return bool(
        EventoAlmacen.objects.filter(libre, pk=evento.pk, estado=EventoAlmacen.Estado.PENDIENTE).update(
            reclamado_hasta=ahora + plazo
        )
    )


def entregar_eventos(*, venta_id: int) -> int:
    """Deliver order ``venta_id``'s pending events in order; return how many this call delivered.

    Stop at a dead event (what follows waits for it) or when another worker holds the
    order. Raise :class:`ReintentarEntrega` when an attempt failed and may be tried again.
    """
    entregados = 0
    while True:
        evento = (
            EventoAlmacen.objects.filter(venta_id=venta_id)
            .exclude(estado__in=[EventoAlmacen.Estado.ENTREGADO, EventoAlmacen.Estado.SIN_DESTINO])
            .order_by("pk")
            .first()
        )
        if evento is None or evento.estado == EventoAlmacen.Estado.MUERTO or not _reclamar(evento):
            return entregados
        _intentar(evento)
        entregados += 1


def _intentar(evento: EventoAlmacen) -> None:
    """POST one event; record the outcome; raise ReintentarEntrega when it failed and may be retried."""
    datos = cuerpo(evento)
    cabeceras = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(evento.clave),
        "X-MiTienda-Evento": evento.tipo,
        firma.CABECERA: firma.firmar(settings.WAREHOUSE_WEBHOOK_SECRET, datos),
        "User-Agent": "MiTienda-Almacen/1",
    }
    intentos = evento.intentos + 1
    try:
        respuesta = requests.post(evento.url, data=datos, headers=cabeceras, timeout=settings.ALMACEN_WEBHOOK_TIMEOUT)
    except requests.RequestException as error:
        return _fallo(evento, intentos, f"{type(error).__name__}: {error}", reintentable=True)
    if respuesta.status_code < 300:
        EventoAlmacen.objects.filter(pk=evento.pk).update(
            estado=EventoAlmacen.Estado.ENTREGADO,
            intentos=intentos,
            entregado=timezone.now(),
            reclamado_hasta=None,
            ultimo_error="",
        )
        return None
    reintentable = respuesta.status_code >= 500 or respuesta.status_code in (408, 429)
    return _fallo(evento, intentos, f"HTTP {respuesta.status_code}: {respuesta.text[:500]}", reintentable=reintentable)


def _fallo(evento: EventoAlmacen, intentos: int, error: str, *, reintentable: bool) -> None:
    muerto = not reintentable or intentos >= settings.ALMACEN_WEBHOOK_MAX_INTENTOS
    EventoAlmacen.objects.filter(pk=evento.pk).update(
        intentos=intentos,
        ultimo_error=error[:2000],
        reclamado_hasta=None,
        estado=EventoAlmacen.Estado.MUERTO if muerto else EventoAlmacen.Estado.PENDIENTE,
    )
    if muerto:
        logger.error("Evento del almacén %s (%s) muerto tras %s intentos: %s", evento.pk, evento.tipo, intentos, error)
        return
    segundos = espera(intentos)
    logger.warning("Evento del almacén %s falló (intento %s); otro en %s s: %s", evento.pk, intentos, segundos, error)
    raise ReintentarEntrega(error, segundos)


@transaction.atomic
def reintentar(*, ids) -> int:
    """Give dead events a fresh set of attempts and send their orders' delivery again; return how many."""
    eventos = EventoAlmacen.objects.filter(pk__in=ids, estado=EventoAlmacen.Estado.MUERTO)
    ventas = sorted(set(eventos.values_list("venta_id", flat=True)))
    cuantos = eventos.update(estado=EventoAlmacen.Estado.PENDIENTE, intentos=0, reclamado_hasta=None)
    for venta_id in ventas:
        outbox.enqueue(TAREA, args=[venta_id])
    return cuantos
