"""localstripe for the tests: a real fake-Stripe process on a port of the session's own.

The plugin picks the port and puts ``STRIPE_API_BASE`` and the keys in the environment
before Django reads its settings, so this process, the session's Celery worker and
Daphne all talk to the same server. The tests stop and start it again on that port
(Stripe down during a checkout); its state survives that, in a private file, as Stripe's
own would. Webhook endpoints live in its memory only, so they are registered again.
"""

import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .procesos import SESION, EsperaAgotada, detener, esperar

CLAVE_SECRETA = "sk_test_pruebas"
CLAVE_PUBLICA = "pk_test_pruebas"
SECRETO_WEBHOOK = "whsec_pruebas"


class LocalStripe:
    """The session's localstripe process: start, stop, restart, and its test-only endpoints."""

    def __init__(self, puerto: int, *, host: str = "127.0.0.1", prefijo: list[str] | None = None, procesos=SESION):
        """``prefijo`` (e.g. ``ip netns exec <ns>``) and ``host`` run it on another (network) host."""
        self.puerto, self.host, self.prefijo, self.procesos = puerto, host, prefijo or [], procesos
        self.url = f"http://{host}:{puerto}"
        self.estado = Path(tempfile.mkdtemp(prefix="mitienda-localstripe-")) / "estado.pickle"
        self.proceso = None
        self.webhooks: dict[str, dict] = {}

    def entorno(self) -> dict[str, str]:
        """Return the settings' environment that points the project at this server."""
        return {
            "STRIPE_API_BASE": self.url,
            "STRIPE_SECRET_KEY": CLAVE_SECRETA,
            "STRIPE_PUBLISHABLE_KEY": CLAVE_PUBLICA,
            "STRIPE_WEBHOOK_SECRET": SECRETO_WEBHOOK,
        }

    def vivo(self) -> bool:
        return self.proceso is not None and self.proceso.poll() is None

    def arrancar(self) -> None:
        """Start it (keeping the state of an earlier run) and wait until it answers; register the webhooks again."""
        comando = [*self.prefijo, sys.executable, "-m", "myproject.localstripe_server", "--host", self.host]
        comando += ["--port", str(self.puerto), "--estado", str(self.estado)]
        self.proceso = self.procesos.lanzar("localstripe", comando)
        esperar(self._responde, timeout=30, mensaje=f"localstripe on port {self.puerto}", proceso=self.proceso)
        for nombre, datos in self.webhooks.items():
            self._pedir("POST", f"/_config/webhooks/{nombre}", datos)

    def detener(self) -> None:
        if self.proceso is not None:
            detener(self.proceso)
            self.proceso = None

    def _responde(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=1) as respuesta:
                return respuesta.status == 200
        except OSError:
            return False

    def _pedir(self, metodo: str, ruta: str, datos: dict | None = None, *, clave: str | None = CLAVE_SECRETA):
        cuerpo = json.dumps(datos).encode() if datos is not None else None
        pedido = urllib.request.Request(f"{self.url}{ruta}", data=cuerpo, method=metodo)
        pedido.add_header("Content-Type", "application/json")
        if clave:
            pedido.add_header("Authorization", f"Bearer {clave}")
        with urllib.request.urlopen(pedido, timeout=10) as respuesta:
            texto = respuesta.read()
        return json.loads(texto) if texto else None

    def registrar_webhook(self, url: str, *, nombre: str = "pruebas", eventos: list[str] | None = None) -> None:
        """Have localstripe send its signed events to ``url`` (again after every restart)."""
        datos = {"url": url, "secret": SECRETO_WEBHOOK}
        if eventos is not None:
            datos["events"] = eventos
        self.webhooks[nombre] = datos
        self._pedir("POST", f"/_config/webhooks/{nombre}", datos)

    def quitar_webhooks(self) -> None:
        """Send events nowhere (localstripe has no delete: the endpoints point at a closed port)."""
        for nombre in list(self.webhooks):
            self._pedir("POST", f"/_config/webhooks/{nombre}", {"url": "http://127.0.0.1:9/", "secret": "x"})
        self.webhooks.clear()

    def vaciar(self) -> None:
        """Forget every object (PaymentIntents, charges...)."""
        self._pedir("DELETE", "/_config/data")

    def intentos(self, venta_id: int | None = None) -> list[dict]:
        """Return every PaymentIntent localstripe holds (of order ``venta_id`` only, if given)."""
        todos = self._pedir("GET", "/v1/payment_intents?limit=10000")["data"]
        if venta_id is None:
            return todos
        return [pi for pi in todos if (pi.get("metadata") or {}).get("venta_id") == str(venta_id)]

    def cobrados(self, venta_id: int) -> list[dict]:
        """Return the order's PaymentIntents that charged (status succeeded)."""
        return [pi for pi in self.intentos(venta_id) if pi["status"] == "succeeded"]

    def autenticar(self, payment_intent_id: str, client_secret: str, *, exito: bool = True) -> dict:
        """Complete (or fail) 3-D Secure as the buyer would in Stripe.js: publishable key and client secret."""
        ruta = f"/v1/payment_intents/{payment_intent_id}/_authenticate?success={'true' if exito else 'false'}"
        return self._pedir("POST", ruta, {"key": CLAVE_PUBLICA, "client_secret": client_secret}, clave=None)


def esperar_que_pare(servidor: LocalStripe, timeout: float = 10) -> None:
    """Wait until nothing answers on the server's port any more."""
    limite = time.monotonic() + timeout
    while servidor._responde():
        if time.monotonic() > limite:
            raise EsperaAgotada(f"localstripe still answers on {servidor.puerto}")
        time.sleep(0.1)


__all__ = ["CLAVE_PUBLICA", "CLAVE_SECRETA", "SECRETO_WEBHOOK", "LocalStripe", "esperar_que_pare"]
