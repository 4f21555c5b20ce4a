"""Refuse request bodies over ``MAX_CUERPO_BYTES`` with 413, before they are buffered.

Two layers, because Daphne buffers. Twisted, under Daphne, reads a request's whole body
(into a temporary file past 100 KB) before Daphne calls the ASGI app, and Daphne then
queues all of it in memory as ``http.request`` messages at once: an ASGI middleware
alone would only see the body once it had cost its full size in memory and on disk.

- :class:`PeticionLimitada` is Daphne's request class with a byte count at the point
  where Twisted stores the body: a ``Content-Length`` over the limit is answered as
  soon as the headers are in, a chunked body as soon as its chunks pass the limit, and
  nothing past the limit is stored or reaches the app. :func:`instalar_en_daphne` makes
  Daphne use it; ``asgi.py`` calls it, and Daphne imports ``asgi.py`` before it listens.
- :class:`LimiteCuerpo` is the ASGI middleware doing the same count on the
  ``http.request`` messages, for servers that stream the body to the app (Uvicorn)
  and for anything that calls the app directly.

In production a reverse proxy with its own body limit stands in front as well (README).
"""

import logging

from daphne import http_protocol
from django.conf import settings

logger = logging.getLogger(__name__)


def _aviso(limite: int) -> bytes:
    return f"El cuerpo de la petición supera el máximo de {limite} bytes.\n".encode()


def _excede(cabeceras, limite: int) -> bool:
    """Say whether a ``Content-Length`` among the ASGI ``cabeceras`` announces more than ``limite``."""
    for nombre, valor in cabeceras:
        if nombre.lower() == b"content-length":
            try:
                return int(valor) > limite
            except ValueError:
                return False  # the server answers a malformed length itself
    return False


class LimiteCuerpo:
    """ASGI middleware: answer 413 to an HTTP request whose body passes ``MAX_CUERPO_BYTES``.

    With a ``Content-Length`` over the limit the app is not called and the body not read.
    Otherwise the body's messages are counted as the app reads them; at the one that
    passes the limit the middleware answers 413 and the app gets ``http.disconnect``
    (Django then drops the request), and nothing more is read.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limite = settings.MAX_CUERPO_BYTES
        if _excede(scope.get("headers", []), limite):
            return await _responder_413(send, limite)

        estado = {"recibidos": 0, "rechazada": False}

        async def recibir():
            if estado["rechazada"]:
                return {"type": "http.disconnect"}
            mensaje = await receive()
            if mensaje["type"] == "http.request":
                estado["recibidos"] += len(mensaje.get("body", b""))
                if estado["recibidos"] > limite:
                    estado["rechazada"] = True
                    await _responder_413(send, limite)
                    return {"type": "http.disconnect"}
            return mensaje

        async def enviar(mensaje):
            if not estado["rechazada"]:
                await send(mensaje)

        await self.app(scope, recibir, enviar)


async def _responder_413(send, limite: int) -> None:
    cuerpo = _aviso(limite)
    cabeceras = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(cuerpo)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": cabeceras})
    await send({"type": "http.response.body", "body": cuerpo})


class PeticionLimitada(http_protocol.WebRequest):
    """Daphne's request, refusing a body over ``MAX_CUERPO_BYTES`` while it arrives.

    Twisted calls ``gotLength`` when the headers are in and ``handleContentChunk``
    for each piece of the (de-chunked) body; the stock class writes every piece to
    ``self.content``. Here a refused request answers 413 on the raw transport, as
    Twisted answers a malformed request, and closes the connection; what still
    arrives is dropped and the app is never called.
    """

    recibidos = 0
    rechazada = False

    def gotLength(self, length):  # noqa: N802 - Twisted's name
        if length is not None and length > settings.MAX_CUERPO_BYTES:
            self._rechazar()
            length = 0
        super().gotLength(length)

    def handleContentChunk(self, data):  # noqa: N802 - Twisted's name
        if self.rechazada:
            return
        self.recibidos += len(data)
        if self.recibidos > settings.MAX_CUERPO_BYTES:
            self._rechazar()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):  # noqa: N802 - Twisted's name
        if not self.rechazada:
            super().requestReceived(command, path, version)

    def _rechazar(self):
        self.rechazada = True
        # Twisted would otherwise send "100 Continue" after our answer.
        self.requestHeaders.removeHeader(b"expect")
        limite, cliente = settings.MAX_CUERPO_BYTES, self.channel.getPeer()
        cuerpo = _aviso(limite)
        self.channel.transport.write(
            b"HTTP/1.1 413 Content Too Large\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: " + str(len(cuerpo)).encode() + b"\r\n"
            b"Connection: close\r\n\r\n" + cuerpo
        )
        self.channel.loseConnection()
        logger.warning("413: request body over %s bytes from %s refused", limite, cliente)


def instalar_en_daphne() -> None:
    """Make Daphne build its HTTP requests from :class:`PeticionLimitada`.

    Daphne's ``HTTPFactory.buildProtocol`` reads the module's ``WebRequest`` for each new
    connection, so replacing it before the server accepts connections is enough.
    """
    http_protocol.WebRequest = PeticionLimitada
