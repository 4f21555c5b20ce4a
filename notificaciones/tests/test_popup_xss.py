"""The live popup with every script payload, pushed by real sales through a real Daphne to
Debian's chromium: the names show as text and no dialog ever opens. (The existing browser
test covers one payload inside a longer scenario; this one covers all three, quickly.)"""

import threading

import pytest

from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import comprar_y_pagar

from .test_navegador import entrar, navegador, sync_api  # noqa: F401 - fixture, and skips without chromium

pytestmark = [pytest.mark.browser, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CARGAS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>']


@pytest.fixture
def tienda(transactional_db):
    vendedor = UsuarioFactory(username="vendedor")
    comprador = UsuarioFactory(username="comprador")
    productos = [ProductoFactory(vendedor=vendedor, nombre=carga, stock=10, stock_minimo=1) for carga in CARGAS]
    return {"comprador": comprador, "productos": productos}


def _comprar_en_otro_hilo(comprador, productos) -> None:
    """Buy each product from a plain thread: Playwright's loop makes this one async for Django."""
    errores = []

    def comprar():
        from django.db import connection

        try:
            for producto in productos:
                comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errores.append(error)
        finally:
            connection.close()

    hilo = threading.Thread(target=comprar)
    hilo.start()
    hilo.join(30)
    assert not errores and not hilo.is_alive()


def test_el_popup_muestra_cada_carga_como_texto(daphne, tienda, navegador):  # noqa: F811 - the fixture
    expect = sync_api.expect
    _, puerto = daphne
    base = f"http://127.0.0.1:{puerto}"
    dialogos = []
    panel = entrar(navegador.new_context(), base, "vendedor", "/vendedor/")
    panel.on("dialog", lambda dialogo: (dialogos.append(dialogo.message), dialogo.dismiss()))
    expect(panel.locator("#estado-conexion")).to_have_text("En vivo")

    _comprar_en_otro_hilo(tienda["comprador"], tienda["productos"])

    titulos = panel.locator(".popup .popup-titulo")
    expect(titulos).to_have_count(3)
    assert sorted(titulos.all_text_contents()) == sorted(f"Nueva venta: {carga}" for carga in CARGAS)
    for carga in CARGAS:
        expect(panel.locator("#notificaciones-popups").get_by_text(f"comprador compró 1 × {carga}")).to_have_count(1)
    assert (
        panel.locator("#notificaciones-popups :is(img, svg, script), #ventas-tbody :is(img, svg, script)").count() == 0
    )
    assert dialogos == []
