"""The local SMTP box the tests send mail to: a real aiosmtpd server on a loopback port."""

import asyncio
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from .procesos import puerto_libre


class BuzonSMTP:
    """A real SMTP server on a free port that keeps what it receives (on loopback, or on ``host``)."""

    def __init__(self, host: str = "127.0.0.1"):
        from aiosmtpd.controller import Controller

        self._lock = threading.Lock()
        self._mensajes: list[EmailMessage] = []
        self._por_rechazar = 0
        self.rechazados = 0
        self._demoras: list[tuple[float, str]] = []
        self.demoras_empezadas = 0
        self.host, self.port = host, puerto_libre()
        self._controller = Controller(self, hostname=host, port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            if self._por_rechazar:
                self._por_rechazar -= 1
                self.rechazados += 1
                return "451 4.3.0 Try again later"
            demora = self._demoras.pop(0) if self._demoras else None
        if demora is not None:
            segundos, respuesta = demora
            with self._lock:
                self.demoras_empezadas += 1
            # A client that hangs up meanwhile cancels this: nothing is kept, as a server
            # that never got to answer the final dot does not deliver.
            await asyncio.sleep(segundos)
            if not respuesta.startswith("250"):
                return respuesta
        mensaje = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self._mensajes.append(mensaje)
        return "250 OK"

    def demorar(self, *demoras: tuple[float, str]) -> None:
        """Stall the next messages after their final dot: (seconds, then this reply) each, as a slow server does.

        ``demoras_empezadas`` counts the stalls begun, so a test can act while one is on.
        """
        with self._lock:
            self._demoras, self.demoras_empezadas = list(demoras), 0

    def rechazar(self, cuantos: int) -> None:
        """Answer the next ``cuantos`` messages with a temporary failure, as a busy server does."""
        with self._lock:
            self._por_rechazar, self.rechazados = cuantos, 0

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    @property
    def url(self) -> str:
        """Return the EMAIL_URL that sends mail here."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def mensajes(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._mensajes)

    def para(self, direccion: str) -> list[EmailMessage]:
        return [m for m in self.mensajes if direccion in str(m["To"])]

    def vaciar(self):
        with self._lock:
            self._mensajes.clear()
            self._por_rechazar = self.rechazados = self.demoras_empezadas = 0
            self._demoras.clear()
