"""Faults under the real client: static/js/notificaciones.js in Debian's chromium, a real
Daphne, the real Redis channel layer. What is asserted is what the page itself handled:
the ``mitienda:notificacion`` events the script dispatched, its popups and rows.

Redis restarts while sellers are connected; a consumer stalled longer than the channel
layer's expiry. See docs/reliability.md.
"""

import time
from itertools import pairwise

import pytest
import requests

from notificaciones.models import Notificacion
from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.navegador import en_hilo
from pruebas.pedidos import VISA, comprar_y_pagar, pagar
from pruebas.procesos import cookie_de_sesion, detener, iniciar_daphne
from ventas.models import Venta

from .asgi_lento import HiloOcupado
from .test_navegador import navegador, sync_api  # noqa: F401 - fixture, and skips without chromium

pytestmark = [pytest.mark.browser, pytest.mark.faults, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

# Records, before the page's scripts run, every event the client dispatches and every
# socket it opens (when it was created, opened, closed).
INSTRUMENTAR = """
  window.__eventos = [];
  window.__conexion = [];
  window.__sockets = [];
  window.addEventListener("mitienda:notificacion", (e) => window.__eventos.push(e.detail));
  window.addEventListener("mitienda:conexion", (e) => window.__conexion.push(e.detail.conectado));
  const SocketReal = window.WebSocket;
  window.WebSocket = class extends SocketReal {
    constructor(...args) {
      super(...args);
      const registro = { url: String(args[0]), creado: performance.now(), abierto: null, cerrado: null };
      window.__sockets.push(registro);
      this.addEventListener("open", () => { registro.abierto = performance.now(); });
      this.addEventListener("close", () => { registro.cerrado = performance.now(); });
    }
  };
"""
LEER = "() => ({eventos: window.__eventos, conexion: window.__conexion, sockets: window.__sockets})"


def abrir_panel(navegador, base: str, cookie: str):  # noqa: F811 - the fixture
    """Open the seller dashboard as the owner of ``cookie``, instrumented, and wait until it is live."""
    contexto = navegador.new_context()
    nombre, valor = cookie.split("=", 1)
    contexto.add_cookies([{"name": nombre, "value": valor, "url": base}])
    contexto.add_init_script(INSTRUMENTAR)
    pagina = contexto.new_page()
    pagina.goto(f"{base}/vendedor/")
    sync_api.expect(pagina.locator("#estado-conexion")).to_have_text("En vivo", timeout=15_000)
    return pagina


def ventas_vistas(pagina) -> list[tuple[int, bool]]:
    """Return (venta_id, came in a replay) for each sale notification the page handled."""
    return [(e["venta_id"], bool(e.get("replay"))) for e in pagina.evaluate(LEER)["eventos"] if e.get("venta_id")]


# Redis restarts while sellers are connected
# ------------------------------------------------------------------------------


def comprar(base: str, cookie: str, producto_id: int) -> requests.Response:
    """Buy one unit over HTTP as the logged-in owner of ``cookie`` (CSRF token from the page)."""
    sesion = requests.Session()
    nombre, valor = cookie.split("=", 1)
    sesion.cookies.set(nombre, valor)
    sesion.get(f"{base}/productos/{producto_id}/", timeout=10)
    return sesion.post(
        f"{base}/ventas/comprar/{producto_id}/",
        data={"cantidad": "1", "csrfmiddlewaretoken": sesion.cookies["csrftoken"], "metodo_pago": VISA, **ENVIO},
        allow_redirects=False,
        timeout=15,
    )


def esperas_de_reconexion(sockets: list[dict]) -> list[tuple[float, float]]:
    """Return (wait, cap) in seconds before each new socket after one closed.

    The cap is the client's backoff ceiling for that attempt: 0.5 s after a socket that
    had opened, doubling with each attempt that never opened, up to 30 s.
    """
    esperas, fallidos = [], -1
    for anterior, siguiente in pairwise(sockets):
        fallidos = 0 if anterior["abierto"] is not None else fallidos + 1
        if anterior["cerrado"] is not None:
            esperas.append(((siguiente["creado"] - anterior["cerrado"]) / 1000, min(30.0, 0.5 * 2**fallidos)))
    return esperas


@pytest.fixture
def vendedores(transactional_db):
    """Three sellers with a product each and their session cookies; a buyer's cookie."""
    filas = []
    for i in range(3):
        vendedor = UsuarioFactory(username=f"vendedor_r{i}")
        filas.append((ProductoFactory(vendedor=vendedor, stock=5), cookie_de_sesion(vendedor)))
    return filas, cookie_de_sesion(UsuarioFactory(username="comprador_r"))


def test_redis_se_reinicia_con_vendedores_conectados_y_cada_pagina_muestra_su_venta_una_vez(
    redis_privado,
    vendedores,
    navegador,  # noqa: F811 - the fixture
):
    filas, cookie_comprador = vendedores
    proceso, puerto = iniciar_daphne("daphne_redis_reinicio")
    base = f"http://127.0.0.1:{puerto}"
    try:
        paginas = [abrir_panel(navegador, base, cookie) for _, cookie in filas]

        redis_privado.detener()
        respuestas = []
        for producto, _ in filas:
            inicio = time.monotonic()
            respuesta = comprar(base, cookie_comprador, producto.pk)
            respuestas.append((respuesta.status_code, round(time.monotonic() - inicio, 1)))
        # The order commits; only its dispatch fails, quickly, and nobody sees a 500.
        assert [codigo for codigo, _ in respuestas] == [302] * 3, respuestas
        assert all(segundos < 8 for _, segundos in respuestas), respuestas
        ventas = en_hilo(lambda: {v.lineas.get().producto_id: v.pk for v in Venta.objects.all()})
        assert len(ventas) == 3
        # Paid while Redis is still down (settled as the charge settles it): the seller alerts are
        # stored, their pushes fail.
        assert en_hilo(lambda: [pagar(Venta(pk=pk)) for pk in ventas.values()]) == [True] * 3

        time.sleep(1.5)  # the pages keep trying against a Daphne whose Redis is gone
        redis_privado.arrancar()
        for pagina, (producto, _) in zip(paginas, filas, strict=True):
            fila = pagina.locator(f"#ventas-tbody tr[data-venta='{ventas[producto.pk]}']")
            sync_api.expect(fila).to_have_count(1, timeout=30_000)
        time.sleep(1)  # let a duplicate, if any, arrive
        registros = [pagina.evaluate(LEER) for pagina in paginas]
        vistas = [ventas_vistas(pagina) for pagina in paginas]
        popups = [pagina.locator(".popup").count() for pagina in paginas]
    finally:
        detener(proceso)

    for (producto, _), vista, registro, cuantos in zip(filas, vistas, registros, popups, strict=True):
        # Each page handled its sale exactly once (it came in a replay, maybe more than
        # one: the client drops a sequence it has handled) and shows one popup for it.
        assert [venta_id for venta_id, _ in vista] == [ventas[producto.pk]], registro
        assert cuantos == 1
        assert len(registro["sockets"]) >= 2 and False in registro["conexion"]  # it did reconnect
    # Full jitter: each wait is drawn below its backoff ceiling, so the pages did not
    # retry in lockstep.
    esperas = [espera for registro in registros for espera in esperas_de_reconexion(registro["sockets"])]
    assert any(espera < 0.8 * techo for espera, techo in esperas), esperas
    assert len({round(espera, 2) for espera, _ in esperas}) > len(paginas), esperas


# A consumer that does not read the channel layer for longer than its expiry
# ------------------------------------------------------------------------------

# Seconds the slow Daphne's database takes to mark a notification read.
MARCAR_LEIDA = 6


@pytest.fixture
def tienda_lenta(transactional_db):
    vendedor = UsuarioFactory(username="vendedor_lento")
    comprador = UsuarioFactory(username="comprador_lento")
    producto = ProductoFactory(vendedor=vendedor, nombre="Café lento", stock=10)
    return {"cookie": cookie_de_sesion(vendedor), "comprador": comprador, "producto": producto}


def test_un_consumidor_atascado_mas_que_la_expiracion_no_pierde_ventas(
    expiry_corta,
    daphne_lento,
    tienda_lenta,
    navegador,  # noqa: F811 - the fixture
):
    expect = sync_api.expect
    puerto = daphne_lento("daphne_lento", EXPIRY_CAPA_PRUEBA="1", MARCAR_LEIDA_SEGUNDOS=str(MARCAR_LEIDA))
    base = f"http://127.0.0.1:{puerto}"
    comprador, producto = tienda_lenta["comprador"], tienda_lenta["producto"]

    def vender() -> int:
        # From this process, whose layer also has the 1 s expiry: the sender's counts.
        return en_hilo(comprar_y_pagar, comprador=comprador, producto_id=producto.pk, cantidad=1).pk

    def fila(venta_id: int):
        return panel.locator(f"#ventas-tbody tr[data-venta='{venta_id}']")

    panel = abrir_panel(navegador, base, tienda_lenta["cookie"])
    primera = vender()
    expect(fila(primera)).to_have_count(1)
    notificacion = en_hilo(lambda: Notificacion.objects.get(tipo="nueva_venta", datos__venta_id=primera).pk)

    # 1. The seller clicks the popup and the database takes MARCAR_LEIDA seconds to mark
    #    it read: the consumer waits. It has one read of the channel layer pending, which
    #    takes the first sale's push; the next push stays in Redis unread and expires.
    libre_hacia = time.monotonic() + MARCAR_LEIDA
    panel.locator(f".popup[data-notificacion='{notificacion}']").click()
    tardia, perdida = vender(), vender()
    assert libre_hacia - time.monotonic() > 1.5, "the sales took too long to fall inside the stall"
    # The consumer says it waited long; the page asks from its last sequence and gets it.
    for venta_id in (tardia, perdida):
        expect(fila(venta_id)).to_have_count(1, timeout=20_000)
    assert ventas_vistas(panel) == [(primera, False), (tardia, False), (perdida, True)]
    expect(panel.locator(".popup")).to_have_count(2)
    expect(panel.locator("#notificaciones-no-leidas")).to_have_text("2")
    expect(panel.locator(f"tr[data-producto='{producto.pk}'] .stock")).to_have_text("7")

    # 2. asgiref's process-wide sync thread held does not stop live pushes: the sale
    #    arrives while it is still held, not after (Channels' own dispatch waits for it).
    ocupado = HiloOcupado(base, 8)
    viva = vender()
    expect(fila(viva)).to_have_count(1, timeout=5_000)
    assert ocupado.ocupado
    ocupado.esperar()

    time.sleep(0.5)  # let a duplicate, if any, arrive
    assert ventas_vistas(panel) == [(primera, False), (tardia, False), (perdida, True), (viva, False)]
    expect(panel.locator(f"tr[data-producto='{producto.pk}'] .stock")).to_have_text("6")
