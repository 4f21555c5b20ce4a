"""The warehouse and the buyer in Debian's chromium: a paid order appears on the open warehouse
page by itself (popup and sound), is prepared and shipped there, and the buyer's open order
page turns "Enviada" with the tracking number without a reload.

Real Daphne, real Celery worker, real localstripe: the charge is the worker's.
"""

import pytest
from django.contrib.auth.models import Group

from almacen.avisos import GRUPO
from notificaciones.tests.test_navegador import CONTAR_PITIDOS, navegador, sync_api  # noqa: F401 - fixture
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.navegador import en_hilo
from pruebas.pedidos import comprar
from pruebas.procesos import cookie_de_sesion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tienda(transactional_db):
    vendedora = UsuarioFactory(username="vendedora_envios")
    compradora = UsuarioFactory(username="compradora_envios")
    almacenista = UsuarioFactory(username="almacenista_chromium")
    Group.objects.get_or_create(name=GRUPO)[0].user_set.add(almacenista)
    producto = ProductoFactory(vendedor=vendedora, nombre="Rebozo de algodón", precio="980.00", stock=5)
    return {
        "compradora": compradora,
        "producto": producto,
        "cookies": {"compradora": cookie_de_sesion(compradora), "almacen": cookie_de_sesion(almacenista)},
    }


def _pagina(navegador, base: str, cookie: str, **opciones):  # noqa: F811 - the fixture
    contexto = navegador.new_context(locale="es-MX", **opciones)
    contexto.add_init_script(CONTAR_PITIDOS)
    nombre, valor = cookie.split("=", 1)
    contexto.add_cookies([{"name": nombre, "value": valor, "url": base}])
    return contexto.new_page()


def test_el_almacen_recibe_el_pedido_en_vivo_y_el_comprador_ve_el_envio(
    localstripe,
    celery_worker,
    daphne,
    tienda,
    navegador,  # noqa: F811
):
    expect = sync_api.expect
    expect.set_options(timeout=30_000)
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"

    almacen = _pagina(navegador, base, tienda["cookies"]["almacen"], viewport={"width": 390, "height": 844})
    almacen.goto(f"{base}/almacen/")
    expect(almacen.locator("#estado-conexion")).to_have_text("En vivo")
    expect(almacen.locator("#vacio-pagada")).to_be_visible()

    # The buyer's order, charged by the worker; her page is open before it is paid.
    venta = en_hilo(comprar, comprador=tienda["compradora"], producto_id=tienda["producto"].pk, cantidad=1)
    pagina = _pagina(navegador, base, tienda["cookies"]["compradora"], viewport={"width": 390, "height": 844})
    pagina.goto(f"{base}/ventas/{venta.pk}/")
    pagina.evaluate("window.__misma = true")

    tarjeta = almacen.locator(f"#lista-pagada article[data-venta='{venta.pk}']")
    expect(tarjeta).to_be_visible()
    expect(tarjeta.locator(".lineas")).to_have_text("1 × Rebozo de algodón")
    expect(almacen.locator("#cuenta-pagada")).to_have_text("1")
    expect(almacen.locator(".popup-titulo").first).to_have_text(f"Pedido pagado: {venta.numero}")
    assert almacen.evaluate("window.__pitidos") >= 1
    expect(pagina.locator("#venta-estado")).to_have_text("Pagada")

    tarjeta.locator("text=Marcar preparado").click()
    almacen.wait_for_url(f"{base}/almacen/")
    preparada = almacen.locator(f"#lista-preparada article[data-venta='{venta.pk}']")
    preparada.locator("[name=transportista]").fill("Estafeta")
    preparada.locator("[name=guia]").fill("EST-445566")
    preparada.locator("text=Marcar enviado").click()
    almacen.wait_for_url(f"{base}/almacen/")
    expect(almacen.locator(f"#lista-enviada article[data-venta='{venta.pk}'] .guia")).to_have_text(
        "Estafeta · guía EST-445566"
    )

    expect(pagina.locator("#venta-estado")).to_have_text("Enviada")
    expect(pagina.locator("#venta-guia")).to_have_text("Estafeta · guía EST-445566")
    expect(pagina.locator("#venta-linea-tiempo li[data-paso='enviada']")).to_have_class("hecho")
    expect(pagina.locator("#venta-cancelar")).to_be_hidden()
    assert pagina.evaluate("window.__misma") is True  # no reload
