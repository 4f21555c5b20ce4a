"""Mail infrastructure: a development backend (one ``.eml`` file per message) and a deadline for an SMTP exchange."""

import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """Write every message to ``EMAIL_FILE_PATH/<timestamp>-<random>.eml``.

    Any mail client opens these files, attachments included. Each file is written
    under a temporary name and renamed, so a reader never sees half a message.
    """

    def send_messages(self, email_messages):
        directory = Path(settings.EMAIL_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            os.replace(tmp, directory / name)
        return len(email_messages)


@contextmanager
def session_deadline(connection, seconds: float):
    """Shut an open SMTP connection's socket if the block inside runs past ``seconds``.

    smtplib's timeout (``EMAIL_TIMEOUT``) bounds each socket read or write, not the
    exchange: a server that stalls in DATA, or trickles its reply, holds a send for as
    long as it likes. Past the deadline the socket is shut down, so the blocked send
    fails at once (``SMTPServerDisconnected`` or ``OSError``) instead of outliving the
    claim that allows it (``ventas.emails``). Backends without a socket are left alone.
    """
    lock = threading.Lock()
    done = False

    def cut():
        with lock:
            sock = getattr(getattr(connection, "connection", None), "sock", None)
            if done or sock is None:
                return
            # Through a duplicate of the descriptor, so an SSL socket's state is not
            # touched from this thread; shutting one down shuts the connection for both.
            try:
                with socket.fromfd(sock.fileno(), sock.family, sock.type) as duplicate:
                    duplicate.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(seconds, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        with lock:
            done = True
        watchdog.cancel()
