"""The local SMTP box the tests send mail to: a real aiosmtpd server on a loopback port."""

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from .procesos import puerto_libre


class BuzonSMTP:
    """A real SMTP server on a free loopback port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self._lock = threading.Lock()
        self._mensajes: list[EmailMessage] = []
        self._por_rechazar = 0
        self.rechazados = 0
        self.port = puerto_libre()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            if self._por_rechazar:
                self._por_rechazar -= 1
                self.rechazados += 1
                return "451 4.3.0 Try again later"
        mensaje = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self._mensajes.append(mensaje)
        return "250 OK"

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
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def mensajes(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._mensajes)

    def para(self, direccion: str) -> list[EmailMessage]:
        return [m for m in self.mensajes if direccion in str(m["To"])]

    def vaciar(self):
        with self._lock:
            self._mensajes.clear()
            self._por_rechazar = self.rechazados = 0
