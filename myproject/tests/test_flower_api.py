"""Flower's API without credentials: the shutdown and task endpoints answer 401 and do nothing."""

import os
import sys

import pytest
import requests

from myproject import devservices
from myproject.celery import app
from myproject.testing import detener, esperar, lanzar

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_la_api_de_flower_sin_credenciales_es_401_y_el_worker_sigue(celery_worker):
    nodo = f"worker-{os.getpid()}@localhost"  # the session worker (testing.iniciar_worker)
    puerto = devservices.free_port()
    flower = lanzar(
        "flower",
        [sys.executable, "-m", "myproject.flower", f"--port={puerto}", "--address=127.0.0.1", "--inspect_timeout=5000"],
        FLOWER_BASIC_AUTH="ops:s3creta",
    )
    url = f"http://127.0.0.1:{puerto}"
    peligrosas = [
        ("POST", f"/api/worker/shutdown/{nodo}"),
        ("POST", f"/api/worker/pool/restart/{nodo}"),
        ("POST", "/api/task/revoke/00000000-0000-0000-0000-000000000000?terminate=true"),
        ("POST", "/api/task/async-apply/ventas.tasks.reenviar_ventas_pendientes"),
        ("POST", "/api/task/apply/ventas.tasks.reenviar_ventas_pendientes"),
        ("GET", "/api/tasks"),
        ("GET", "/api/workers"),
    ]
    try:

        def arrancado():
            try:
                return requests.get(f"{url}/healthcheck", timeout=5).text == "OK"
            except requests.ConnectionError:
                return False

        esperar(arrancado, timeout=45, mensaje="Flower to start")
        for metodo, ruta in peligrosas:
            for auth in (None, ("ops", "otra"), ("otro", "s3creta")):
                respuesta = requests.request(metodo, f"{url}{ruta}", auth=auth, json={}, timeout=10)
                assert respuesta.status_code == 401, (metodo, ruta, auth, respuesta.status_code, respuesta.text[:200])
        # With the right credentials the task list answers: the 401s above are the auth, not a missing route.
        assert requests.get(f"{url}/api/tasks", auth=("ops", "s3creta"), timeout=10).status_code == 200
        # The worker was not shut down nor its pool restarted.
        assert celery_worker.poll() is None
        assert any(nodo in respuesta for respuesta in app.control.ping(timeout=3))
    finally:
        detener(flower)
