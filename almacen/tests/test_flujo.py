"""The whole fulfilment path on the real stack: a real charge in localstripe, the worker, Daphne and sockets.

Paid → prepared → shipped → delivered over HTTP by the warehouse, seen live by the
buyer's and the warehouse's sockets, with the emails in the local SMTP box; and a
cancellation refunded once in localstripe, stock back once, whatever runs twice.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import connections

from notificaciones.tests.test_en_vivo import recibir, socket_de
from pagos import reembolsos, stripe_cliente
from pagos.models import Reembolso
from pagos.tests.conftest import esperar_estado
from pruebas.clientes import sesion_http
from pruebas.pedidos import comprar
from pruebas.procesos import cookie_de_sesion, esperar
from ventas.models import MovimientoInventario, Producto, Venta

pytestmark = pytest.mark.django_db(transaction=True)


async def hasta(ws, condicion, timeout: float = 20) -> dict:
    """Return the next message on ``ws`` that satisfies ``condicion`` (skipping the others)."""

    async def buscar():
        while True:
            mensaje = await recibir(ws, timeout=timeout)
            if condicion(mensaje):
                return mensaje

    return await asyncio.wait_for(buscar(), timeout)


def _actualizada(venta_id: int, estado: str):
    return lambda m: m["type"] == "venta_actualizada" and m.get("venta_id") == venta_id and m["estado"] == estado


async def test_pagada_preparada_enviada_entregada(
    celery_worker, daphne, localstripe, buzon, comprador, almacenista, producto
):
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    cookie_comprador = await database_sync_to_async(cookie_de_sesion)(comprador)
    cookie_almacen = await database_sync_to_async(cookie_de_sesion)(almacenista)
    try:
        async with (
            socket_de(puerto, cookie_comprador) as del_comprador,
            socket_de(puerto, cookie_almacen) as del_almacen,
        ):
            assert (await recibir(del_comprador))["type"] == "connection_established"
            assert (await recibir(del_almacen))["type"] == "connection_established"

            # A real purchase: the worker charges it in localstripe and the warehouse hears of it live.
            venta = await database_sync_to_async(comprar)(comprador=comprador, producto_id=producto.pk, cantidad=2)
            nuevo = await hasta(del_almacen, lambda m: m["type"] == "pedido_almacen")
            assert (nuevo["venta_id"], nuevo["numero"], nuevo["estado"]) == (venta.pk, venta.numero, "pagada")
            assert nuevo["lineas"] == [{"producto_id": producto.pk, "producto": "Molcajete", "cantidad": 2}]
            assert nuevo["envio"]["direccion"] == venta.envio_direccion
            await hasta(del_comprador, _actualizada(venta.pk, "pagada"))

            sesion = await asyncio.to_thread(sesion_http, base, almacenista.username)
            pagina = await asyncio.to_thread(sesion.get, f"{base}/almacen/", timeout=10)
            assert venta.numero in pagina.text
            pasos = [
                ("preparar", {}, "preparada"),
                ("enviar", {"transportista": "Estafeta", "guia": "EST-778899"}, "enviada"),
                ("entregar", {}, "entregada"),
            ]
            for accion, datos, estado in pasos:
                respuesta = await asyncio.to_thread(
                    sesion.post,
                    f"{base}/almacen/ventas/{venta.pk}/{accion}/",
                    data={**datos, "csrfmiddlewaretoken": sesion.cookies["csrftoken"]},
                    allow_redirects=False,
                    timeout=10,
                )
                assert respuesta.status_code == 302, respuesta.text[:300]
                aviso = await hasta(del_comprador, _actualizada(venta.pk, estado))
                if estado == "enviada":
                    assert (aviso["transportista"], aviso["guia"]) == ("Estafeta", "EST-778899")
                    assert aviso["mensaje"] == "Va con Estafeta, guía EST-778899."
                # The warehouse's other tabs move the card too.
                assert (await hasta(del_almacen, lambda m: m["type"] == "pedido_almacen"))["estado"] == estado
    finally:
        await database_sync_to_async(connections.close_all)()

    def asuntos():
        return sorted(m["Subject"] for m in buzon.para(comprador.email))

    await asyncio.to_thread(esperar, lambda: len(asuntos()) >= 3, timeout=30, mensaje="the three emails")
    esperado = [a for a in asuntos() if "camino" in a or "entregado" in a]
    assert esperado == [f"Tu pedido {venta.numero} fue entregado", f"Tu pedido {venta.numero} va en camino"]
    correo = next(m for m in buzon.para(comprador.email) if "camino" in m["Subject"])
    texto = correo.get_body(("plain",)).get_content()
    assert "EST-778899" in texto and "Estafeta" in texto


def _refunds(payment_intent_id: str) -> list:
    return list(stripe_cliente.cliente().v1.refunds.list(params={"payment_intent": payment_intent_id}).data)


def test_cancelar_antes_del_envio_reembolsa_una_vez(celery_worker, localstripe, buzon, client, comprador, producto):
    venta = comprar(comprador=comprador, producto_id=producto.pk, cantidad=3)
    venta = esperar_estado(venta, Venta.Estado.PAGADA)
    assert Producto.objects.get(pk=producto.pk).stock == 17

    client.force_login(comprador)
    assert client.post(f"/ventas/{venta.pk}/cancelar/").status_code == 302
    esperar(
        lambda: Reembolso.objects.filter(pk=venta.pk, estado=Reembolso.Estado.REEMBOLSADO).exists(),
        timeout=30,
        mensaje="the refund",
    )
    reembolso = Reembolso.objects.get(pk=venta.pk)
    refunds = _refunds(venta.pago_referencia)
    assert [(r.id, r.amount, r.status) for r in refunds] == [
        (reembolso.refund_id, stripe_cliente.centavos(venta.total), "succeeded")
    ]
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.CANCELADA
    assert Producto.objects.get(pk=producto.pk).stock == 20
    assert MovimientoInventario.objects.filter(venta=venta, motivo="devolucion").count() == 1
    esperar(lambda: buzon.para(comprador.email), timeout=30, mensaje="the cancellation email")
    esperar(
        lambda: [m for m in buzon.para(comprador.email) if m["Subject"] == f"Cancelamos tu pedido {venta.numero}"],
        timeout=30,
        mensaje="the cancellation email",
    )

    # The task again (a redelivery), and a run that died after Stripe made the refund but
    # before it was stored: both end with the same one refund.
    assert reembolsos.reembolsar(venta_id=venta.pk) == "reembolsado"
    Reembolso.objects.filter(pk=venta.pk).update(refund_id="", estado=Reembolso.Estado.PENDIENTE)
    assert reembolsos.reembolsar(venta_id=venta.pk) == "reembolsado"
    assert Reembolso.objects.get(pk=venta.pk).refund_id == reembolso.refund_id
    assert len(_refunds(venta.pago_referencia)) == 1
    assert Producto.objects.get(pk=producto.pk).stock == 20
    assert len([m for m in buzon.para(comprador.email) if str(m["Subject"]).startswith("Cancelamos")]) == 1


def test_un_reembolso_que_stripe_rechaza_queda_fallido_y_visible(
    celery_worker, localstripe, admin_client, venta_pagada
):
    # A PaymentIntent Stripe does not know: it refuses the refund; the order stays cancelled, the refund failed.
    venta = venta_pagada(Venta.Estado.PREPARADA, pago_referencia="pi_desconocido_en_stripe")
    from almacen import services

    services.cancelar(venta_id=venta.pk)
    esperar(
        lambda: Reembolso.objects.filter(pk=venta.pk, estado=Reembolso.Estado.FALLIDO).exists(),
        timeout=30,
        mensaje="the refused refund",
    )
    assert Venta.objects.get(pk=venta.pk).estado == Venta.Estado.CANCELADA
    pagina = admin_client.get("/admin/pagos/reembolso/?estado__exact=fallido")
    assert pagina.status_code == 200 and str(venta) in pagina.text
