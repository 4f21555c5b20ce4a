"""Request bodies over ``MAX_CUERPO_BYTES`` are refused with 413 before they are buffered.

Against a real Daphne: a 200 MB body, with ``Content-Length`` and chunked, gets 413 and
Daphne's memory does not grow by anything near the body. Against the ASGI app itself
(the middleware that covers servers which stream bodies, such as Uvicorn): 413 from the
header alone, or once the ``http.request`` messages pass the limit, reading no further.
"""

import socket
import threading
import time
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator

from myproject.asgi import application
from pruebas.procesos import detener, iniciar_daphne

MB = 1024 * 1024
CUERPO = 200 * MB
TROZO = MB
# Daphne (Twisted) used to hold the whole body, then Daphne queued it again in memory
# for the app: +200 MB at least. A refused body may cost the few megabytes read before
# the refusal and the buffers of the socket, nothing that scales with the body.
CRECIMIENTO_MAXIMO = 40 * MB
# Sending 200 MB over loopback takes a few seconds; a refusal comes long before.
SEGUNDOS_MAXIMOS = 10


def _memoria(pid: int, campo: str) -> int:
    """Return ``campo`` (VmRSS, VmHWM) of process ``pid`` in bytes."""
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith(campo + ":"):
            return int(linea.split()[1]) * 1024
    raise AssertionError(f"no {campo} for {pid}")


class PicoDeMemoria:
    """Sample a process's VmRSS in a thread and keep the highest value seen."""

    def __init__(self, pid: int):
        self.pid, self.pico, self._fin = pid, _memoria(pid, "VmRSS"), threading.Event()
        self._hilo = threading.Thread(target=self._medir, daemon=True)

    def _medir(self):
        while not self._fin.wait(0.01):
            self.pico = max(self.pico, _memoria(self.pid, "VmRSS"))

    def __enter__(self):
        self._hilo.start()
        return self

    def __exit__(self, *exc):
        self._fin.set()
        self._hilo.join()


def _enviar(puerto: int, cabeceras: bytes, trozos) -> tuple[bytes, int]:
    """Send a POST with ``cabeceras`` and the byte strings of ``trozos`` over a raw socket.

    Stop sending when the server stops reading or closes; return (the server's answer up to
    the end of its headers, bytes sent).
    """
    enviados = 0
    with socket.create_connection(("127.0.0.1", puerto), timeout=SEGUNDOS_MAXIMOS) as conexion:
        conexion.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cabeceras + b"\r\n")
        try:
            for trozo in trozos:
                conexion.sendall(trozo)
                enviados += len(trozo)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        respuesta = b""
        try:
            while b"\r\n\r\n" not in respuesta and (recibido := conexion.recv(65536)):
                respuesta += recibido
        except (ConnectionResetError, TimeoutError):
            pass
    return respuesta, enviados


def _con_longitud():
    cabeceras = f"Content-Length: {CUERPO}\r\nContent-Type: application/octet-stream\r\n".encode()
    return cabeceras, (b"x" * TROZO for _ in range(CUERPO // TROZO))


def _por_trozos():
    trozo = f"{TROZO:x}\r\n".encode() + b"x" * TROZO + b"\r\n"
    cabeceras = b"Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n"
    return cabeceras, [*(trozo for _ in range(CUERPO // TROZO)), b"0\r\n\r\n"]


@pytest.fixture
def daphne_limites(django_db_setup, django_db_blocker):
    """A Daphne of the test's own, so each memory measurement starts from a fresh process."""
    with django_db_blocker.unblock():
        proceso, puerto = iniciar_daphne("daphne_limites")
    yield proceso, puerto
    detener(proceso)


@pytest.mark.stack
@pytest.mark.parametrize("forma", [_con_longitud, _por_trozos], ids=["content-length", "chunked"])
def test_un_cuerpo_de_200_mb_recibe_413_sin_que_daphne_lo_guarde(daphne_limites, settings, forma):
    proceso, puerto = daphne_limites
    cabeceras, trozos = forma()
    antes = _memoria(proceso.pid, "VmRSS")
    inicio = time.monotonic()
    with PicoDeMemoria(proceso.pid) as memoria:
        respuesta, enviados = _enviar(puerto, cabeceras, trozos)
    segundos = time.monotonic() - inicio

    assert respuesta.startswith(b"HTTP/1.1 413 "), respuesta[:200]
    assert segundos < SEGUNDOS_MAXIMOS
    crecimiento = max(memoria.pico, _memoria(proceso.pid, "VmHWM")) - antes
    assert crecimiento < CRECIMIENTO_MAXIMO, f"Daphne grew {crecimiento / MB:.0f} MB for a {CUERPO // MB} MB body"
    # The server stopped reading: the client could not push the whole body.
    assert enviados < CUERPO
    # Daphne still serves.
    respuesta, _ = _enviar(puerto, b"Content-Length: 0\r\n", [])
    assert respuesta.startswith(b"HTTP/1.1 403 "), respuesta[:200]  # CSRF, as any POST without a token


@pytest.mark.stack
def test_un_cuerpo_bajo_el_limite_llega_a_django(daphne_limites, settings):
    _, puerto = daphne_limites
    cuerpo = b"x" * (settings.MAX_CUERPO_BYTES - 1)
    for cabeceras, trozos in [
        (f"Content-Length: {len(cuerpo)}\r\n".encode(), [cuerpo]),
        (b"Transfer-Encoding: chunked\r\n", [f"{len(cuerpo):x}\r\n".encode() + cuerpo + b"\r\n0\r\n\r\n"]),
    ]:
        respuesta, _ = _enviar(puerto, cabeceras, trozos)
        assert respuesta.startswith(b"HTTP/1.1 403 "), respuesta[:200]  # Django's CSRF answer


# The ASGI middleware, for servers that stream the body to the app
# ------------------------------------------------------------------------------


def _alcance(cabeceras: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *cabeceras],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def _respuesta(comunicador) -> tuple[int, bytes]:
    inicio = await comunicador.receive_output(timeout=10)
    assert inicio["type"] == "http.response.start", inicio
    cuerpo = b""
    while True:
        mensaje = await comunicador.receive_output(timeout=10)
        cuerpo += mensaje.get("body", b"")
        if not mensaje.get("more_body"):
            return inicio["status"], cuerpo


async def test_el_middleware_rechaza_por_content_length_sin_leer_el_cuerpo(settings):
    settings.MAX_CUERPO_BYTES = 1000
    comunicador = ApplicationCommunicator(application, _alcance([(b"content-length", b"1001")]))
    await comunicador.send_input({"type": "http.request", "body": b"x" * 1001, "more_body": False})
    estado, cuerpo = await _respuesta(comunicador)
    assert estado == 413 and b"1000" in cuerpo
    assert comunicador.input_queue.qsize() == 1  # the body was never read
    await comunicador.wait(timeout=5)


async def test_el_middleware_cuenta_los_trozos_sin_content_length_y_deja_de_leer(settings):
    settings.MAX_CUERPO_BYTES = 1000
    comunicador = ApplicationCommunicator(application, _alcance([]))
    for _ in range(10):
        await comunicador.send_input({"type": "http.request", "body": b"x" * 300, "more_body": True})
    estado, _ = await _respuesta(comunicador)
    assert estado == 413
    # 4 × 300 bytes pass the limit: the other 6 messages stay unread.
    assert comunicador.input_queue.qsize() == 6
    await comunicador.wait(timeout=5)
