"""The external warehouse system on a real local HTTP server, delivered by the real worker.

Down for a while, then up: every event arrives once, in order per order, with a
signature the documented recipe verifies. Always answering 500: the event ends dead,
after the bounded attempts, and the admin shows it.
"""

import hashlib
import hmac
import json
import time

import pytest
from django.db import transaction
from pytest_httpserver import HTTPServer
from werkzeug import Response

from almacen import entregas
from almacen.models import EventoAlmacen
from pruebas.procesos import esperar, puerto_libre

pytestmark = pytest.mark.django_db(transaction=True)


def verificar_como_dice_la_guia(secreto: str, cuerpo: bytes, cabecera: str, tolerancia: int = 300) -> bool:
    """The receiver's recipe from docs/almacen.md, written out independently of almacen.firma."""
    partes = dict(p.split("=", 1) for p in cabecera.split(","))
    marca = int(partes["t"])
    esperada = hmac.new(secreto.encode(), f"{marca}.".encode() + cuerpo, hashlib.sha256).hexdigest()
    return abs(time.time() - marca) <= tolerancia and hmac.compare_digest(esperada, partes["v1"])


@pytest.fixture
def receptor():
    """A warehouse receiver on a port of its own, not started yet; records what it gets."""
    servidor = HTTPServer(host="127.0.0.1", port=puerto_libre())
    servidor.recibidos = []
    yield servidor
    if servidor.is_running():
        servidor.stop()


def _registrar(ventas, tipo: str) -> None:
    with transaction.atomic():
        for venta in ventas:
            entregas.registrar(venta, tipo)


def test_receptor_caido_y_luego_arriba(celery_worker, settings, receptor, venta_pagada):
    settings.WAREHOUSE_WEBHOOK_URL = f"http://127.0.0.1:{receptor.port}/eventos"

    def recibir(request):
        receptor.recibidos.append((dict(request.headers), request.get_data()))
        return Response("ok")

    receptor.expect_request("/eventos", method="POST").respond_with_handler(recibir)
    ventas = [venta_pagada() for _ in range(3)]
    _registrar(ventas, EventoAlmacen.Tipo.PAGADA)
    _registrar(ventas, EventoAlmacen.Tipo.CANCELADA)
    # Nobody listens yet: the first attempts fail and back off.
    esperar(lambda: EventoAlmacen.objects.filter(intentos__gte=1).exists(), timeout=20, mensaje="a failed attempt")
    receptor.start()
    esperar(
        lambda: EventoAlmacen.objects.filter(estado=EventoAlmacen.Estado.ENTREGADO).count() == 6,
        timeout=30,
        mensaje="every event delivered",
    )
    claves = [cabeceras["Idempotency-Key"] for cabeceras, _ in receptor.recibidos]
    assert len(claves) == len(set(claves)) == 6
    assert set(claves) == {str(c) for c in EventoAlmacen.objects.values_list("clave", flat=True)}
    por_venta: dict[int, list[str]] = {}
    for cabeceras, cuerpo in receptor.recibidos:
        assert verificar_como_dice_la_guia(settings.WAREHOUSE_WEBHOOK_SECRET, cuerpo, cabeceras["X-Mitienda-Firma"])
        assert not verificar_como_dice_la_guia("otro secreto", cuerpo, cabeceras["X-Mitienda-Firma"])
        evento = json.loads(cuerpo)
        assert evento["id"] == cabeceras["Idempotency-Key"] and evento["tipo"] == cabeceras["X-Mitienda-Evento"]
        assert evento["venta"]["lineas"] == [
            {"producto_id": ventas[0].lineas.get().producto_id, "producto": "Molcajete", "cantidad": 2}
        ]
        por_venta.setdefault(evento["venta"]["venta_id"], []).append(evento["tipo"])
    assert por_venta == {v.pk: ["venta.pagada", "venta.cancelada"] for v in ventas}


def test_un_receptor_que_siempre_falla_deja_el_evento_muerto_y_visible(
    celery_worker, settings, receptor, admin_client, venta_pagada
):
    settings.WAREHOUSE_WEBHOOK_URL = f"http://127.0.0.1:{receptor.port}/eventos"
    receptor.expect_request("/eventos", method="POST").respond_with_data("roto", status=500)
    receptor.start()
    venta = venta_pagada()
    _registrar([venta], EventoAlmacen.Tipo.PAGADA)
    esperar(
        lambda: EventoAlmacen.objects.filter(estado=EventoAlmacen.Estado.MUERTO).exists(),
        timeout=30,
        mensaje="the dead event",
    )
    evento = EventoAlmacen.objects.get()
    assert evento.intentos == settings.ALMACEN_WEBHOOK_MAX_INTENTOS
    assert evento.ultimo_error == "HTTP 500: roto"
    assert len(receptor.log) == settings.ALMACEN_WEBHOOK_MAX_INTENTOS
    pagina = admin_client.get("/admin/almacen/eventoalmacen/?estado__exact=muerto")
    assert pagina.status_code == 200 and "HTTP 500: roto" in pagina.text
