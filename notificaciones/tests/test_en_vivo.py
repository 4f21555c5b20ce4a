"""The whole path across processes: a sale made over HTTP on a real Daphne reaches the
seller's plain WebSocket client through the real Redis channel layer, with a real
Celery worker running the sale's pipeline beside it. No fakes."""

import asyncio
import json

import pytest
import requests
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from notificaciones.models import Notificacion
from pruebas.clientes import comprar_por_http, sesion_http
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import pagar
from pruebas.procesos import cookie_de_sesion, detener, iniciar_daphne
from ventas.models import Venta

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cerrar_conexiones_de_hilos")]


@pytest.fixture
def tienda(transactional_db):
    vendedor = UsuarioFactory(username="vendedor_vivo")
    comprador = UsuarioFactory(username="comprador_vivo")
    producto = ProductoFactory(vendedor=vendedor, nombre="Mole en vivo", stock=5)
    return vendedor, comprador, producto


def comprar_y_pagar_por_http(sesion: requests.Session, base: str, producto_id: int) -> requests.Response:
    """Buy over HTTP, then settle the order as its charge settles it: the seller hears of it once paid."""
    respuesta = comprar_por_http(sesion, base, producto_id)
    assert respuesta.status_code == 302, respuesta.text[:500]
    pagar(Venta(pk=int(respuesta.headers["Location"].split("/")[2])))
    return respuesta


def socket_de(puerto: int, cookie: str | None, *, origen: str | None = None, query: str = ""):
    return connect(
        f"ws://127.0.0.1:{puerto}/ws/notificaciones/{query}",
        origin=origen or f"http://127.0.0.1:{puerto}",
        additional_headers={"Cookie": cookie} if cookie else None,
        open_timeout=10,
    )


async def recibir(ws, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def _compra_llega_al_vendedor(puerto_vendedor: int, puerto_compra: int, tienda) -> None:
    vendedor, comprador, producto = tienda
    cookie = await database_sync_to_async(cookie_de_sesion)(vendedor)
    async with socket_de(puerto_vendedor, cookie) as ws:
        saludo = await recibir(ws)
        assert saludo == {"type": "connection_established", "usuario": "vendedor_vivo", "no_leidas": 0}

        base = f"http://127.0.0.1:{puerto_compra}"
        sesion = await asyncio.to_thread(sesion_http, base, comprador.username)
        respuesta = await asyncio.to_thread(comprar_por_http, sesion, base, producto.pk, 2)
        assert respuesta.status_code == 302, respuesta.text[:500]

        # The seller hears of it once it is paid (settled here as the charge settles it), pushed on
        # the payment's commit: it is there at once.
        venta = await database_sync_to_async(Venta.objects.get)()
        assert respuesta.headers["Location"] == f"/ventas/{venta.pk}/"
        assert await database_sync_to_async(pagar)(venta)
        mensaje = await recibir(ws, timeout=2)
        assert mensaje["type"] == "nueva_venta"
        assert mensaje["titulo"] == "Nueva venta: Mole en vivo"
        assert mensaje["mensaje"] == "comprador_vivo compró 2 × Mole en vivo"
        assert (mensaje["venta_id"], mensaje["numero"], mensaje["monto"]) == (venta.pk, venta.numero, "200.00")
        assert mensaje["lineas"] == [
            {"producto_id": producto.pk, "producto": producto.nombre, "cantidad": 2, "stock": 3}
        ]
        assert mensaje["no_leidas"] == 1

        await ws.send(json.dumps({"action": "marcar_leida", "notificacion_id": mensaje["id"]}))
        assert await recibir(ws) == {"type": "notificacion_leida", "id": mensaje["id"], "no_leidas": 0}
        assert await database_sync_to_async(lambda: Notificacion.objects.get(pk=mensaje["id"]).leida)()


async def test_una_venta_por_http_llega_al_vendedor_conectado(celery_worker, daphne, tienda):
    _, puerto = daphne
    await _compra_llega_al_vendedor(puerto, puerto, tienda)


async def test_con_dos_daphne_la_venta_cruza_de_un_proceso_al_otro(celery_worker, daphne, tienda):
    _, puerto_vendedor = daphne
    otro, puerto_compra = await asyncio.to_thread(iniciar_daphne, "daphne_b")
    try:
        await _compra_llega_al_vendedor(puerto_vendedor, puerto_compra, tienda)
    finally:
        await asyncio.to_thread(detener, otro)


async def test_daphne_rechaza_anonimos_y_origenes_ajenos(daphne, tienda):
    _, puerto = daphne
    vendedor = tienda[0]
    cookie = await database_sync_to_async(cookie_de_sesion)(vendedor)
    for cookie_usada, origen in [(None, None), (cookie, "http://evil.example")]:
        with pytest.raises(InvalidStatus) as error:
            async with socket_de(puerto, cookie_usada, origen=origen):
                pass
        assert error.value.response.status_code == 403


async def test_al_reconectar_llega_lo_vendido_mientras_tanto(celery_worker, daphne, tienda):
    vendedor, comprador, producto = tienda
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    cookie = await database_sync_to_async(cookie_de_sesion)(vendedor)
    sesion = await asyncio.to_thread(sesion_http, base, comprador.username)
    async with socket_de(puerto, cookie) as ws:
        await recibir(ws)
        await asyncio.to_thread(comprar_y_pagar_por_http, sesion, base, producto.pk)
        primera = await recibir(ws)
        await ws.send(json.dumps({"action": "marcar_leida", "notificacion_id": primera["id"]}))
        await recibir(ws)

    # Offline: two sales happen.
    for _ in range(2):
        await asyncio.to_thread(comprar_y_pagar_por_http, sesion, base, producto.pk)

    async with socket_de(puerto, cookie, query=f"?despues_de={primera['id']}") as ws:
        saludo = await recibir(ws)
        perdidas = [await recibir(ws), await recibir(ws)]
        assert saludo["no_leidas"] == 2
        assert [m["lineas"][0]["stock"] for m in perdidas] == [3, 2]
        assert all(m["replay"] and m["id"] > primera["id"] for m in perdidas)
        with pytest.raises(TimeoutError):
            await recibir(ws, timeout=0.5)
