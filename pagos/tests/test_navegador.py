"""Chromium on the checkout and the sale page with the Stripe.js that localstripe serves.

The card is typed into the mock card element; pagos.js turns it into an id (createToken's
card id: the mock's createPaymentMethod returns nothing), the order is charged in the
session's worker; 3-D Secure is completed in the mock's modal. No CSP violation: the
pages that load Stripe.js allow exactly localstripe's origin.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from notificaciones.tests.test_navegador import entrar, navegador, sync_api  # noqa: F401 - the fixture
from pagos.models import Pago
from pruebas.factories import ENVIO
from pruebas.procesos import esperar
from ventas.models import Venta

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIOLACIONES = """
  window.__violaciones = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violaciones.push(e.violatedDirective + " " + e.blockedURI);
  });
"""


def orm(funcion):
    """Run ``funcion`` in another thread: once Playwright's sync API runs its loop in this
    one, Django refuses ORM calls here."""

    def en_hilo():
        try:
            return funcion()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as hilo:
        return hilo.submit(en_hilo).result()


def _estado(venta_id: int) -> str:
    return orm(lambda: Venta.objects.get(pk=venta_id).estado)


def _pagar_con_tarjeta(pagina, base: str, producto, numero: str) -> Venta:
    pagina.goto(f"{base}/ventas/comprar/{producto.pk}/?cantidad=1")
    for campo, valor in ENVIO.items():
        pagina.fill(f"#id_{campo}", valor)
    tarjeta = pagina.locator("[data-tarjeta-elemento]")
    sync_api.expect(tarjeta.locator("input[placeholder=number]")).to_be_visible()
    for campo, valor in {
        "number": numero,
        "exp_month": "12",
        "exp_year": "30",
        "cvc": "123",
        "postal_code": "06600",
    }.items():
        tarjeta.locator(f"input[placeholder={campo}]").fill(valor)
    pagina.click("#pagar")
    pagina.wait_for_url(f"{base}/ventas/*/")
    return orm(lambda: Venta.objects.get(pk=int(pagina.url.rstrip("/").rsplit("/", 1)[1])))


def test_la_tarjeta_escrita_en_stripe_js_paga_el_pedido(
    localstripe,
    celery_worker,
    daphne,
    producto,
    comprador,
    navegador,  # noqa: F811 - the fixture
):
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    contexto = navegador.new_context()
    contexto.add_init_script(VIOLACIONES)
    pagina = entrar(contexto, base, comprador.username, "/")

    venta = _pagar_con_tarjeta(pagina, base, producto, "4242424242424242")

    assert venta.metodo_pago.startswith("card_")  # the number itself never reached us
    esperar(lambda: _estado(venta.pk) == Venta.Estado.PAGADA, timeout=30, mensaje="paid")
    [cobro] = localstripe.cobrados(venta.pk)
    assert cobro["amount"] == 14990
    assert pagina.evaluate("window.__violaciones") == []


def test_3ds_se_completa_en_la_pagina_de_la_venta(
    localstripe,
    celery_worker,
    daphne,
    producto,
    comprador,
    navegador,  # noqa: F811 - the fixture
):
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    contexto = navegador.new_context()
    contexto.add_init_script(VIOLACIONES)
    pagina = entrar(contexto, base, comprador.username, "/")

    venta = _pagar_con_tarjeta(pagina, base, producto, "4000002500003155")

    boton = pagina.locator("[data-pago-verificar] button")
    sync_api.expect(boton).to_be_visible(timeout=20_000)  # the page learnt it from the status JSON
    assert _estado(venta.pk) == Venta.Estado.PENDIENTE_PAGO
    boton.click()
    pagina.click("text=Complete authentication")  # localstripe's 3-D Secure modal

    esperar(lambda: _estado(venta.pk) == Venta.Estado.PAGADA, timeout=30, mensaje="paid")
    assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [
        orm(lambda: Pago.objects.get(venta=venta).payment_intent_id)
    ]
    assert pagina.evaluate("window.__violaciones") == []
