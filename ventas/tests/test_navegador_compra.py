"""A purchase as a shopper makes it, in Debian's chromium: two products in the cart, the
address, the test card typed into the Stripe.js form localstripe serves, "Pagar"; the
order page turns "Pagada" by itself and the seller's open dashboard gets its popup.

Real Daphne, real Celery worker, real localstripe: the charge is the worker's, nothing
settled by hand.
"""

import pytest

from notificaciones.tests.test_navegador import navegador, sync_api  # noqa: F401 - fixture, and skips without chromium
from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.procesos import cookie_de_sesion
from ventas.models import Venta

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tienda(transactional_db):
    vendedora = UsuarioFactory(username="vendedora_chromium")
    compradora = UsuarioFactory(username="compradora_chromium")
    cafe = ProductoFactory(vendedor=vendedora, nombre="Café de Chiapas", precio="189.00", stock=10)
    taza = ProductoFactory(vendedor=vendedora, nombre="Taza de barro", precio="95.50", stock=10)
    return {
        "cafe": cafe,
        "taza": taza,
        "cookies": {"vendedora": cookie_de_sesion(vendedora), "compradora": cookie_de_sesion(compradora)},
    }


def _contexto(navegador, base: str, cookie: str, **opciones):  # noqa: F811 - the fixture
    contexto = navegador.new_context(**opciones)
    nombre, valor = cookie.split("=", 1)
    contexto.add_cookies([{"name": nombre, "value": valor, "url": base}])
    return contexto


def test_carrito_direccion_tarjeta_y_pagada_en_vivo(localstripe, celery_worker, daphne, tienda, navegador):  # noqa: F811
    expect = sync_api.expect
    expect.set_options(timeout=30_000)
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"

    panel = _contexto(navegador, base, tienda["cookies"]["vendedora"]).new_page()
    panel.goto(f"{base}/vendedor/")
    expect(panel.locator("#estado-conexion")).to_have_text("En vivo")

    pagina = _contexto(
        navegador, base, tienda["cookies"]["compradora"], viewport={"width": 390, "height": 844}
    ).new_page()
    for producto, cantidad in ((tienda["cafe"], 2), (tienda["taza"], 1)):
        pagina.goto(f"{base}/productos/{producto.pk}/")
        pagina.fill("#id_cantidad", str(cantidad))
        pagina.click("text=Agregar al carrito")
        pagina.wait_for_url(f"{base}/carrito/")
    pagina.click("text=Comprar todo")
    pagina.wait_for_url(f"{base}/carrito/comprar/")
    expect(pagina.locator("#checkout-total")).to_have_text("$473.50 MXN")

    for campo, valor in ENVIO.items():
        pagina.fill(f"[name={campo}]", valor)
    # The card goes into the Stripe.js element (localstripe's mock: plain inputs by placeholder).
    tarjeta = pagina.locator("[data-tarjeta-elemento]")
    for campo, valor in {"number": "4242424242424242", "exp_month": "12", "exp_year": "34", "cvc": "123"}.items():
        tarjeta.locator(f"input[placeholder={campo}]").fill(valor)
    tarjeta.locator("input[placeholder=postal_code]").fill("06600")
    pagina.click("#pagar")
    pagina.wait_for_url(f"{base}/ventas/*/")

    # Pending at once, paid a moment later by the worker: the page turns by itself.
    pagina.evaluate("window.__misma = true")
    expect(pagina.locator("#venta-estado")).to_have_text("Pagada")
    assert pagina.evaluate("window.__misma") is True
    expect(pagina.locator("#paso-factura a")).to_be_visible()
    expect(panel.locator(".popup-titulo").first).to_have_text("Nueva venta: Café de Chiapas, Taza de barro")
    expect(panel.locator(".popup-monto").first).to_have_text("$473.50")

    venta_id = int(pagina.url.rstrip("/").rsplit("/", 1)[1])
    intentos = localstripe.intentos(venta_id)
    assert [(i["amount"], i["currency"], i["status"]) for i in intentos] == [(47350, "mxn", "succeeded")]
    # The card number went to localstripe only: the order keeps the card's id, never its digits.
    assert _metodo_de_pago(venta_id).startswith(("card_", "pm_"))


def _metodo_de_pago(venta_id: int) -> str:
    from pruebas.navegador import en_hilo

    return en_hilo(lambda: Venta.objects.values_list("metodo_pago", flat=True).get(pk=venta_id))
