"""A real browser (Debian's chromium driven by Playwright) against a real Daphne, Redis
and Celery worker: the seller sees a sale made by a buyer in another browser context,
server text never runs as HTML, and the page survives a Daphne restart by itself."""

import os
import shutil

import pytest

from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.navegador import en_hilo, pagar_en_checkout
from pruebas.pedidos import comprar_y_pagar, pagar
from pruebas.procesos import LOG_DIR, detener, iniciar_daphne
from ventas.models import Venta

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
XSS = "<img src=x onerror=alert(1)>"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
)
if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
    pytest.skip(
        f"Debian chromium not found at {CHROMIUM}: run `make test` as root to install it, "
        "or `apt-get install chromium` (or set CHROMIUM_PATH)",
        allow_module_level=True,
    )


@pytest.fixture
def navegador():
    with sync_api.sync_playwright() as p:
        navegador = p.chromium.launch(
            executable_path=CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield navegador
        navegador.close()


@pytest.fixture
def servidor(django_db_setup):
    """A Daphne of this test's own, since the test kills and restarts it."""
    proceso, puerto = iniciar_daphne("daphne_navegador")
    estado = {"proceso": proceso, "puerto": puerto}
    yield estado
    detener(estado["proceso"])


@pytest.fixture
def tienda(transactional_db):
    vendedor = UsuarioFactory(username="vendedor", first_name="Vera", last_name="Vendedora")
    comprador = UsuarioFactory(username="comprador")
    otro = UsuarioFactory(username="cliente_habitual")
    cafe = ProductoFactory(vendedor=vendedor, nombre="Café de Chiapas 500 g", precio="189.00", stock=24, stock_minimo=5)
    mole = ProductoFactory(vendedor=vendedor, nombre="Mole poblano 250 g", precio="95.50", stock=12, stock_minimo=4)
    xss = ProductoFactory(vendedor=vendedor, nombre=XSS, precio="10.00", stock=8, stock_minimo=2)
    # A little history, so the dashboard looks like a seller's.
    comprar_y_pagar(comprador=otro, producto_id=mole.pk, cantidad=2)
    comprar_y_pagar(comprador=otro, producto_id=cafe.pk, cantidad=1)
    vendedor.notificaciones.update(leida=True)
    return {"vendedor": vendedor, "comprador": comprador, "cafe": cafe, "mole": mole, "xss": xss}


# Counts the WebAudio beeps, so the test can tell the sound played (and that mute works).
CONTAR_PITIDOS = """
  window.__pitidos = 0;
  const original = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) { window.__pitidos += 1; return original.apply(this, args); };
"""


def entrar(contexto, base: str, usuario: str, siguiente: str):
    pagina = contexto.new_page()
    pagina.goto(f"{base}/accounts/login/?next={siguiente}")
    pagina.fill("#id_username", usuario)
    pagina.fill("#id_password", "demo12345")
    pagina.click("button[type=submit]")
    pagina.wait_for_url(f"{base}{siguiente}")
    return pagina


def comprar(pagina, base: str, producto, cantidad: int = 1):
    """Buy from the product page through the checkout; the order is settled as its charge settles it."""
    pagina.goto(f"{base}/productos/{producto.pk}/")
    pagina.fill("#id_cantidad", str(cantidad))
    pagina.click("text=Comprar ahora")
    venta_id = pagar_en_checkout(pagina, base)
    en_hilo(pagar, Venta(pk=venta_id))


def test_el_vendedor_ve_cada_venta_en_vivo(celery_worker, daphne, servidor, tienda, navegador):
    # (navegador last: Playwright's sync API runs a loop in this thread, after which
    # Django refuses ORM calls here, so the data is made before it starts.)
    expect = sync_api.expect
    expect.set_options(timeout=15_000)
    base = f"http://127.0.0.1:{servidor['puerto']}"
    dialogos = []

    ctx_vendedor = navegador.new_context(viewport={"width": 1280, "height": 940}, locale="es-MX")
    ctx_vendedor.add_init_script(CONTAR_PITIDOS)
    ctx_comprador = navegador.new_context()
    panel = entrar(ctx_vendedor, base, "vendedor", "/vendedor/")
    comprador = entrar(ctx_comprador, base, "comprador", "/")
    for pagina in (panel, comprador):
        pagina.on("dialog", lambda dialogo: (dialogos.append(dialogo.message), dialogo.dismiss()))
    # A second tab of the seller, on another page of the site.
    otra_pestana = ctx_vendedor.new_page()
    otra_pestana.goto(f"{base}/")
    expect(panel.locator("#estado-conexion")).to_have_text("En vivo")
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("0")
    # The XSS product's name is text on the server-rendered page, too.
    expect(panel.locator(f"tr[data-producto='{tienda['xss'].pk}'] td").first).to_have_text(XSS)

    # 1. A sale: popup with title, message and amount; badge; sale row; stock.
    comprar(comprador, base, tienda["cafe"], 2)
    popup = panel.locator(".popup").first
    expect(popup.locator(".popup-titulo")).to_have_text("Nueva venta: Café de Chiapas 500 g")
    expect(popup.locator(".popup-mensaje")).to_have_text("comprador compró 2 × Café de Chiapas 500 g")
    expect(popup.locator(".popup-monto")).to_have_text("$378.00")
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("1")
    expect(otra_pestana.locator("#notificaciones-no-leidas")).to_have_text("1")
    expect(panel.locator("#ventas-tbody tr").first.locator("td").nth(1)).to_have_text("Café de Chiapas 500 g")
    expect(panel.locator(f"tr[data-producto='{tienda['cafe'].pk}'] .stock")).to_have_text("21")
    assert panel.evaluate("window.__pitidos") >= 1
    assert panel.locator("#notificaciones-popups").get_attribute("aria-live") == "polite"

    # 2. A product named like markup shows as text and runs nothing.
    comprar(comprador, base, tienda["xss"])
    popup_xss = panel.locator(".popup").first
    expect(popup_xss.locator(".popup-titulo")).to_have_text(f"Nueva venta: {XSS}")
    expect(panel.locator("#ventas-tbody tr").first.locator("td").nth(1)).to_have_text(XSS)
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("2")
    assert panel.locator("#notificaciones-popups img, #ventas-tbody img").count() == 0
    panel.screenshot(path=str(LOG_DIR / "panel-vendedor.png"))

    # 3. Clicking a popup marks it read here and in the seller's other tab.
    popup_xss.click()
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("1")
    expect(otra_pestana.locator("#notificaciones-no-leidas")).to_have_text("1")
    expect(panel.locator(".popup")).to_have_count(1)

    # 4. Mute: the next sale pops up without a beep.
    panel.click("#notificaciones-sonido")
    expect(panel.locator("#notificaciones-sonido")).to_have_attribute("aria-pressed", "true")
    pitidos = panel.evaluate("window.__pitidos")
    comprar(comprador, base, tienda["mole"])
    expect(panel.locator(".popup-titulo").first).to_have_text("Nueva venta: Mole poblano 250 g")
    assert panel.evaluate("window.__pitidos") == pitidos

    # 5. Daphne dies; a sale is made through another server meanwhile; Daphne comes back
    #    on the same port and the page reconnects and shows the missed sale by itself.
    servidor["proceso"].kill()
    servidor["proceso"].wait()
    expect(panel.locator("#estado-conexion")).to_have_text("Reconectando…")
    _, puerto_respaldo = daphne  # the session's other Daphne
    comprar(comprador, f"http://127.0.0.1:{puerto_respaldo}", tienda["cafe"], 3)
    servidor["proceso"], _ = iniciar_daphne("daphne_navegador", puerto=servidor["puerto"])
    expect(panel.locator("#estado-conexion")).to_have_text("En vivo", timeout=40_000)
    expect(panel.locator(".popup-titulo").first).to_have_text("Nueva venta: Café de Chiapas 500 g")
    expect(panel.locator(".popup-monto").first).to_have_text("$567.00")
    expect(panel.locator(f"tr[data-producto='{tienda['cafe'].pk}'] .stock")).to_have_text("18")
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("3")
    # Each sale once: 2 old + 4 new rows, no duplicates after the replay.
    numeros = panel.locator("#ventas-tbody tr td:first-child").all_text_contents()
    assert len(numeros) == 6 and len(set(numeros)) == 6
    assert dialogos == []
    ctx_vendedor.close()
    ctx_comprador.close()


# A scripted WebSocket the real client is run against; `emitir` plays the server's side.
FALSO_SOCKET = """
  class FalsoSocket {
    constructor(url) { FalsoSocket.urls.push(url); this.readyState = 0; this.oyentes = {}; this.enviados = [];
                       FalsoSocket.ultimo = this; }
    addEventListener(tipo, fn) { this.oyentes[tipo] = fn; }
    emitir(tipo, datos) { if (tipo === "open") this.readyState = 1; if (tipo === "close") this.readyState = 3;
                          this.oyentes[tipo](datos); }
    send(texto) { this.enviados.push(JSON.parse(texto)); }
    close() {}
  }
  FalsoSocket.urls = []; FalsoSocket.CONNECTING = 0; FalsoSocket.OPEN = 1;
  window.WebSocket = FalsoSocket;
  const guardado = {};
  const almacen = { getItem: (k) => guardado[k] ?? null, setItem: (k, v) => { guardado[k] = v; } };
"""

# Runs SistemaNotificaciones against the fake WebSocket, with the clock and the dice
# under control, and reports what it did.
SIMULAR_CLIENTE = (
    """
() => {
  const esperas = [];
  const setTimeoutReal = window.setTimeout;
  window.setTimeout = (fn, ms) => { esperas.push(ms); return 0; };
"""
    + FALSO_SOCKET
    + """
  const sistema = new window.SistemaNotificaciones({ usuarioId: 7, url: "ws://tienda/ws/notificaciones/", almacen });

  // Eight failed attempts with the dice at their maximum, then with them at zero.
  Math.random = () => 0.999999;
  sistema.conectar();
  for (let i = 0; i < 8; i++) { FalsoSocket.ultimo.emitir("close"); sistema.conectar(); }
  const techos = esperas.splice(0).map(Math.round);
  Math.random = () => 0;
  FalsoSocket.ultimo.emitir("close"); sistema.conectar();
  const minimo = esperas.splice(0);
  // A successful open resets the backoff.
  Math.random = () => 0.999999;
  FalsoSocket.ultimo.emitir("open");
  FalsoSocket.ultimo.emitir("close"); sistema.conectar();
  const trasAbrir = esperas.splice(0).map(Math.round);
  window.setTimeout = setTimeoutReal;

  // Messages: duplicates are dropped, the last id is remembered and used to resume.
  const eventos = [];
  window.addEventListener("mitienda:notificacion", (e) => eventos.push(e.detail.type + ":" + (e.detail.id ?? "")));
  const socket = FalsoSocket.ultimo;
  socket.emitir("open");
  const venta = { type: "nueva_venta", id: 42, secuencia: 12, titulo: "<b>negritas</b>",
                  mensaje: "<script>x()</script>", monto: "5.00" };
  socket.emitir("message", { data: JSON.stringify({ type: "connection_established", no_leidas: 1, secuencia: 11 }) });
  socket.emitir("message", { data: JSON.stringify(venta) });
  socket.emitir("message", { data: JSON.stringify({ ...venta, replay: true }) });
  socket.emitir("message", { data: "no es json" });
  const popup = document.querySelector(".popup");
  popup.click();
  socket.emitir("close"); sistema.conectar();
  return {
    techos, minimo, trasAbrir, eventos,
    urls: FalsoSocket.urls.slice(-2),
    guardado,
    popupHtml: popup.querySelector(".popup-titulo").innerHTML + "|" + popup.querySelector(".popup-mensaje").innerHTML,
    enviados: socket.enviados,
    scripts: document.querySelectorAll(".popups script, .popups b").length,
  };
}
"""
)


def simular(navegador, daphne, simulacion: str) -> dict:
    """Load the real client on an anonymous page (so it does not start itself) and run ``simulacion``."""
    _, puerto = daphne
    pagina = navegador.new_page()
    pagina.goto(f"http://127.0.0.1:{puerto}/accounts/login/")
    pagina.add_script_tag(url=f"http://127.0.0.1:{puerto}/static/js/notificaciones.js", type="module")
    return pagina.evaluate(simulacion)


def test_el_cliente_reintenta_con_retroceso_y_retoma_donde_quedo(daphne, navegador):
    r = simular(navegador, daphne, SIMULAR_CLIENTE)

    assert r["techos"] == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]
    assert r["minimo"] == [0]
    assert r["trasAbrir"] == [500]
    assert r["eventos"] == ["connection_established:", "nueva_venta:42"]
    # It resumes from the last sequence it saw (protocol 2), not from the id.
    assert r["urls"] == [
        "ws://tienda/ws/notificaciones/?protocolo=2",
        "ws://tienda/ws/notificaciones/?protocolo=2&despues_de=12",
    ]
    assert r["guardado"] == {"mitienda:notificaciones:secuencia:7": "12"}
    assert r["popupHtml"] == "&lt;b&gt;negritas&lt;/b&gt;|&lt;script&gt;x()&lt;/script&gt;"
    assert r["scripts"] == 0
    assert {"action": "marcar_leida", "notificacion_id": 42} in r["enviados"]


# The real client against the fake socket: a hole in the sequence, duplicates, the
# server's hint after a long wait, an answer cut at the server's limit, a reload.
SIMULAR_HUECOS = (
    "() => {"
    + FALSO_SOCKET
    + """
  const eventos = [];
  window.addEventListener("mitienda:notificacion", (e) => {
    const d = e.detail;
    if (d.type === "nueva_venta") eventos.push(d.secuencia + (d.replay ? "r" : ""));
  });
  const url = "ws://tienda/ws/notificaciones/";
  let sistema = new window.SistemaNotificaciones({ usuarioId: 8, url, almacen });
  sistema.conectar();
  let socket = FalsoSocket.ultimo;
  const llega = (mensaje) => socket.emitir("message", { data: JSON.stringify(mensaje) });
  const venta = (secuencia, extra = {}) =>
    llega({ type: "nueva_venta", id: 100 + secuencia, secuencia, titulo: "venta " + secuencia, ...extra });
  const pedidos = () => socket.enviados.filter((m) => m.action === "reenviar").map((m) => m.despues_de);
  const popups = () => [...document.querySelectorAll(".popup")].map((p) => Number(p.dataset.notificacion));
  const r = {};

  socket.emitir("open");
  llega({ type: "connection_established", no_leidas: 0, secuencia: 3 });
  venta(4);
  venta(6); // 5 was lost on the way: a hole
  venta(7); // the request is on its way: no second one
  r.alVerElHueco = pedidos();
  venta(5, { replay: true });
  venta(6, { replay: true }); // shown already, live
  llega({ type: "reenvio_completo", hasta: 7 });
  venta(7); // a late duplicate
  r.trasRellenarlo = pedidos();
  llega({ type: "posible_perdida" }); // the server waited long: check
  llega({ type: "reenvio_completo", hasta: 9 }); // 8 and 9 no longer exist
  venta(10);
  venta(15); // 11 to 14 missing
  venta(11, { replay: true });
  venta(12, { replay: true });
  llega({ type: "reenvio_completo", hasta: 12 }); // cut short: ask for the rest
  venta(13, { replay: true });
  venta(14, { replay: true });
  llega({ type: "reenvio_completo", hasta: 15 });
  r.pedidos = pedidos();
  r.eventos = eventos.splice(0);
  r.guardado = { ...guardado };

  // The tab reloads: a new page with the same sessionStorage.
  sistema.detener();
  document.querySelectorAll(".popup").forEach((p) => p.remove());
  sistema = new window.SistemaNotificaciones({ usuarioId: 8, url, almacen });
  sistema.conectar();
  socket = FalsoSocket.ultimo;
  r.urlAlRecargar = FalsoSocket.urls[FalsoSocket.urls.length - 1];
  socket.emitir("open");
  llega({ type: "connection_established", no_leidas: 2, secuencia: 16 });
  venta(9, { replay: true }); // unread, and shown before the reload: no popup again
  venta(16, { replay: true }); // new since: it pops up
  r.trasRecargar = { eventos, popups: popups(), pedidos: pedidos() };
  return r;
}
"""
)


def test_el_cliente_pide_lo_que_falta_al_ver_un_hueco_y_muestra_cada_una_una_vez(daphne, navegador):
    r = simular(navegador, daphne, SIMULAR_HUECOS)

    assert r["alVerElHueco"] == [4]
    assert r["trasRellenarlo"] == [4]
    assert r["pedidos"] == [4, 7, 10, 12]
    # Each sequence reached the page once, whichever way it came.
    assert r["eventos"] == ["4", "6", "7", "5r", "10", "15", "11r", "12r", "13r", "14r"]
    assert r["guardado"] == {"mitienda:notificaciones:secuencia:8": "15"}
    assert r["urlAlRecargar"] == "ws://tienda/ws/notificaciones/?protocolo=2&despues_de=15"
    assert r["trasRecargar"] == {"eventos": ["9r", "16r"], "popups": [116], "pedidos": []}
