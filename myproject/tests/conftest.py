import os
import sys

import pytest
import requests

from myproject import devservices
from pruebas.procesos import detener, esperar, lanzar

CREDENCIALES = ("ops", "s3creta")


@pytest.fixture
def flower(celery_worker):
    """Flower started the way Procfile and compose start it, against the test broker and worker.

    Yield its base URL, the session worker's node name and the credentials it requires.
    """
    puerto = devservices.free_port()
    proceso = lanzar(
        "flower",
        [sys.executable, "-m", "myproject.flower", f"--port={puerto}", "--address=127.0.0.1", "--inspect_timeout=5000"],
        FLOWER_BASIC_AUTH=":".join(CREDENCIALES),
    )
    url = f"http://127.0.0.1:{puerto}"

    def arrancado():
        try:
            return requests.get(f"{url}/healthcheck", auth=CREDENCIALES, timeout=5).text == "OK"
        except requests.ConnectionError:
            return False

    try:
        esperar(arrancado, timeout=45, mensaje="Flower to start")
        yield {"url": url, "nodo": f"worker-{os.getpid()}@localhost", "auth": CREDENCIALES}
    finally:
        detener(proceso)
