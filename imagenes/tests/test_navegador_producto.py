"""A real Chromium: a seller adds a product, gives it units and a photo, sees the photo turn
ready live on the product form, and finds it on the catalog's card.

Against the session's real Daphne and Celery worker; skipped cleanly without Playwright or Chromium.
"""

import os
import shutil
import threading

import pytest

from ventas.models import Producto

from . import generadores as g
from .test_navegador import CHROMIUM, _seguro_cuando

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_vendedora_agrega_producto_con_foto_y_sale_en_el_catalogo(
    celery_worker, daphne, httpserver, cliente, producto_propio, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    servidor = f"http://127.0.0.1:{daphne[1]}"
    conectada = threading.Event()  # moderation answers once the form's socket is open: the switch is live
    httpserver.expect_request("/moderar").respond_with_handler(_seguro_cuando(conectada))
    foto = tmp_path / "rebozo.jpg"
    foto.write_bytes(g.jpeg_con_gps(1600, 1200))

    with sync_api.sync_playwright() as p:
        navegador = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        contexto = navegador.new_context(viewport={"width": 390, "height": 844})
        contexto.add_cookies([{"name": "sessionid", "value": cliente.cookies["sessionid"].value, "url": servidor}])
        contexto.add_init_script(
            "window.__conectado = false;"
            "window.addEventListener('mitienda:conexion', e => { if (e.detail.conectado) window.__conectado = true; });"
        )
        pagina = contexto.new_page()
        respuesta = pagina.goto(f"{servidor}/vendedor/productos/")
        assert respuesta.status == 200, pagina.content()[:3000]
        pagina.click("a.boton.primario[href='/vendedor/productos/nuevo/']")
        pagina.fill("[name=nombre]", "Rebozo de seda")
        pagina.fill("[name=descripcion]", "Tejido en telar de cintura.")
        pagina.fill("[name=precio]", "980")
        pagina.fill("[name=stock_minimo]", "1")
        pagina.click("form.formulario button[type=submit]")
        pagina.wait_for_url("**/stock/")
        pagina.fill("[name=cantidad]", "5")
        pagina.click("form.formulario button[type=submit]")
        pagina.wait_for_function("() => document.getElementById('stock-actual').textContent === '5'")
        pagina.click("text=Editar producto")
        pagina.set_input_files("input[name=fotos]", str(foto))
        pagina.select_option("select[name=filtro]", "calido")
        pagina.click("#fotos button[type=submit]")
        pagina.wait_for_url("**/editar/")
        assert pagina.get_attribute("#fotos-lista li", "data-estado") == "procesando"
        pagina.evaluate("window.__sinRecargar = true")
        pagina.wait_for_function("() => window.__conectado", timeout=10_000)
        conectada.set()
        pagina.wait_for_function(
            "() => document.querySelector('#fotos-lista li').dataset.estado === 'lista'", timeout=30_000
        )
        assert pagina.evaluate("window.__sinRecargar") is True  # switched live, same document
        assert pagina.text_content("#fotos-lista .foto-estado") == "Lista"

        pagina.goto(f"{servidor}/?q=rebozo+de+seda")
        imagen = pagina.locator(".tarjeta img.foto-producto")
        imagen.wait_for(state="visible")
        pagina.wait_for_function("() => document.querySelector('.tarjeta img.foto-producto').naturalWidth > 0")
        assert "/medium.jpg" in imagen.get_attribute("src") and "1080w" in imagen.get_attribute("srcset")
        caja = imagen.bounding_box()
        assert abs(caja["width"] - caja["height"]) <= 1  # the fixed square frame
        anchos = pagina.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"
        )
        assert pagina.evaluate("document.documentElement.scrollWidth") <= 390, anchos  # nothing wider than the phone
        navegador.close()
    producto = Producto.objects.get(nombre="Rebozo de seda")
    assert producto.stock == 5 and producto.fotos.get().filtro == "calido"
