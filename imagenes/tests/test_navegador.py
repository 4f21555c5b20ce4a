"""A real Chromium uploads a photo and watches the page switch to the thumbnail without reloading.

Skipped cleanly when Playwright or Chromium is missing. It runs against the session's
real Daphne and Celery worker.
"""

import shutil
import threading

import pytest

from . import generadores as g

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def servidor(celery_worker, daphne):
    _, puerto = daphne
    return f"http://127.0.0.1:{puerto}"


def test_subir_y_ver_la_miniatura_sin_recargar(servidor, httpserver, cliente, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not __import__("os").path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    # Moderation answers only once the detail page's socket is open (the consumer joins the
    # user's group before it accepts), so the image is still "processing" when the page shows
    # and the chord's callback is pushed live, not replayed. Until then it answers 503 and the
    # worker retries with its backoff.
    pagina_conectada = threading.Event()
    httpserver.expect_request("/moderar").respond_with_handler(_seguro_cuando(pagina_conectada))
    foto = tmp_path / "playa.jpg"
    foto.write_bytes(g.jpeg_con_gps(1600, 1200))

    with sync_api.sync_playwright() as p:
        navegador = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        contexto = navegador.new_context()
        contexto.add_cookies([{"name": "sessionid", "value": cliente.cookies["sessionid"].value, "url": servidor}])
        # Count the page's status fetches, to see the notification event trigger one, and
        # record what the notifications socket hands the page.
        contexto.add_init_script(
            "window.__estados = 0; const f = window.fetch;"
            "window.fetch = (...a) => { if (String(a[0]).includes('/estado/')) window.__estados++; return f(...a); };"
            "window.__avisos = [];"
            "window.addEventListener('mitienda:notificacion', e => window.__avisos.push(e.detail));"
            "window.__conectado = false;"
            "window.addEventListener('mitienda:conexion', e => { if (e.detail.conectado) window.__conectado = true; });"
        )
        pagina = contexto.new_page()
        pagina.goto(f"{servidor}/imagenes/subir/")
        pagina.set_input_files("input[type=file]", str(foto))
        pagina.fill("input[name=descripcion]", "Playa al atardecer")
        pagina.click("form.formulario button[type=submit]")
        pagina.wait_for_url("**/imagenes/*/")
        assert pagina.text_content("#imagen-estado") == "Procesando"
        pagina.evaluate("window.__sinRecargar = true")
        pagina.wait_for_function("() => window.__conectado", timeout=10_000)
        pagina_conectada.set()

        # Predicates as functions: Playwright evaluates a bare expression with eval, which the CSP forbids.
        pagina.wait_for_function(
            "() => document.getElementById('imagen-estado').textContent === 'Lista'", timeout=30_000
        )
        pagina.locator("img[data-version=thumbnail]").wait_for(state="visible")
        assert pagina.evaluate("window.__sinRecargar") is True  # same document: it switched by itself
        pagina.wait_for_function("() => document.querySelector('img[data-version=thumbnail]').naturalWidth > 0")
        assert pagina.evaluate("document.querySelector('img[data-version=thumbnail]').naturalWidth") == 150
        assert "Canon EOS 80D" in pagina.text_content("#imagen-metadatos")
        assert "Contenido seguro" in pagina.text_content("#imagen-moderacion")

        # The chord's callback reached this page over the real notifications socket (the page
        # also polls, so the switch alone would not prove it).
        imagen_id = pagina.get_attribute("#imagen", "data-imagen-id")
        pagina.wait_for_function(
            "id => window.__avisos.some(d => d.type === 'imagen_procesada' && String(d.imagen_id) === id"
            " && d.estado === 'lista' && !d.replay)",
            arg=imagen_id,
            timeout=10_000,
        )

        # Polling has stopped; the notifications client's window event makes the page fetch again,
        # but only for this image.
        antes = pagina.evaluate("window.__estados")
        evento = "d => window.dispatchEvent(new CustomEvent('mitienda:notificacion', {detail: d}))"
        pagina.evaluate(evento, {"type": "imagen_procesada", "imagen_id": int(imagen_id) + 1000})
        pagina.evaluate(evento, {"type": "imagen_procesada", "imagen_id": int(imagen_id)})
        # fetch() runs synchronously inside the listener: a fetch for the other id would already count.
        pagina.wait_for_function(f"() => window.__estados === {antes + 1}", timeout=5_000)
        navegador.close()


def _seguro_cuando(puerta: threading.Event):
    from werkzeug import Response

    def responder(request):
        # Wait less than the worker's read timeout (1 s in these tests), then let it retry.
        if not puerta.wait(timeout=0.8):
            return Response('{"error": "not yet"}', status=503, content_type="application/json")
        return Response('{"seguro": true, "confianza": 0.99, "categorias": []}', content_type="application/json")

    return responder
