"""Run localstripe, the fake Stripe server of development and tests, on one address only.

``python -m localstripe`` listens on every interface (``::``) and pickles its state to
``/tmp/localstripe.pickle``, shared by every copy on the machine. This launcher serves
the same aiohttp app bound to ``--host`` (127.0.0.1 by default) and keeps the state in
memory, or with ``--estado PATH`` in a file of its own (a private folder: the format is
localstripe's pickle, so the file must be written by nobody else). No Django here.

    python -m myproject.localstripe_server --port 8420 --estado var/localstripe/estado.pickle \
        --webhook http://127.0.0.1:8000/pagos/stripe/webhook/
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path

# What development uses when no real Stripe is configured (settings, devservices, compose).
LOCALSTRIPE_URL = "http://127.0.0.1:8420"
LOCALSTRIPE_CLAVE_SECRETA = "sk_test_localstripe"
LOCALSTRIPE_CLAVE_PUBLICA = "pk_test_localstripe"
LOCALSTRIPE_SECRETO_WEBHOOK = "whsec_localstripe"
# The events the shop acts on (localstripe sends no others of PaymentIntents anyway).
EVENTOS = ["payment_intent.succeeded", "payment_intent.payment_failed"]


def guardar_estado_en(ruta: Path | None) -> None:
    """Make localstripe keep its state in ``ruta`` (written atomically, mode 0600), or only in memory."""
    from localstripe import resources

    if ruta is None:
        resources.Store.dump_to_disk = lambda self: None
        resources.Store.try_load_from_disk = lambda self: None
        return
    ruta = Path(ruta).resolve()
    ruta.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def dump_to_disk(self) -> None:
        import pickle  # localstripe's own format, for its own file

        fd, temporal = tempfile.mkstemp(dir=ruta.parent, prefix=".estado-")
        with os.fdopen(fd, "wb") as archivo:
            pickle.dump(dict(self), archivo, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporal, ruta)

    def try_load_from_disk(self) -> None:
        import pickle

        try:
            with ruta.open("rb") as archivo:
                anterior = pickle.load(archivo)  # noqa: S301 - our private file, written above
        except FileNotFoundError:
            return
        self.clear()
        dict.update(self, anterior)

    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = try_load_from_disk


def enlazar(host: str, puerto: int) -> socket.socket:
    """Return a listening TCP socket on ``host``:``puerto`` (IPv4 or IPv6, as the host says)."""
    familia, tipo, proto, _, direccion = socket.getaddrinfo(host, puerto, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(familia, tipo, proto)
    # The tests stop and start it again on the same port at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(direccion)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("LOCALSTRIPE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALSTRIPE_PORT", "8420")))
    parser.add_argument("--estado", type=Path, default=None, help="state file (default: in memory only)")
    parser.add_argument("--webhook", help="URL to send the signed payment events to (registered at start)")
    parser.add_argument(
        "--webhook-secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCALSTRIPE_SECRETO_WEBHOOK
    )
    args = parser.parse_args(argv)

    guardar_estado_en(args.estado)
    from aiohttp import web
    from localstripe import resources, server

    resources.store.try_load_from_disk()
    if args.webhook:
        # Endpoints live in localstripe's memory only: registered at every start, a
        # restarted server keeps sending (POST /_config/webhooks/<name> does the same).
        from localstripe.webhooks import register_webhook

        register_webhook("mitienda", args.webhook, args.webhook_secret, EVENTOS)
    sock = enlazar(args.host, args.port)
    acceso = logging.getLogger("aiohttp.access")
    acceso.setLevel(logging.INFO)
    acceso.addHandler(logging.StreamHandler())
    print(f"localstripe on http://{args.host}:{args.port} (state: {args.estado or 'memory'})", flush=True)
    web.run_app(server.app, sock=sock, access_log=acceso, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
