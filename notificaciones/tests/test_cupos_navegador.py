"""The browser client backs off after a 4429 close (too many sockets) instead of knocking
again at once, as it may after an ordinary close of a socket that had opened."""

import pytest

from .test_navegador import navegador, simular  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Opens a scripted fake socket twice: closed normally, then with 4429; returns the
# ceilings of the waits before the next attempt (the dice at their maximum).
ESPERAS_TRAS_CIERRE = """
() => {
  const esperas = [];
  window.setTimeout = (fn, ms) => { esperas.push(Math.round(ms)); return 0; };
  Math.random = () => 0.999999;
  class FalsoSocket {
    constructor() { this.readyState = 0; this.oyentes = {}; FalsoSocket.ultimo = this; }
    addEventListener(tipo, fn) { this.oyentes[tipo] = fn; }
    emitir(tipo, datos) { this.readyState = tipo === "open" ? 1 : 3; this.oyentes[tipo](datos); }
    send() {}
    close() {}
  }
  FalsoSocket.CONNECTING = 0; FalsoSocket.OPEN = 1;
  window.WebSocket = FalsoSocket;
  const sistema = new window.SistemaNotificaciones({ usuarioId: 7, url: "ws://tienda/ws/notificaciones/" });
  for (const codigo of [1006, 4429]) {
    sistema.conectar();
    FalsoSocket.ultimo.emitir("open");
    FalsoSocket.ultimo.emitir("close", { code: codigo });
  }
  return esperas;
}
"""


def test_tras_un_4429_el_cliente_espera_lo_maximo(daphne, navegador):  # noqa: F811 - the fixture
    assert simular(navegador, daphne, ESPERAS_TRAS_CIERRE) == [500, 30000]
