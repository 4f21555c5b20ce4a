"""Flower's API without credentials: the shutdown and task endpoints answer 401 and do nothing."""

import pytest
import requests

from pruebas.procesos import ping

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_la_api_de_flower_sin_credenciales_es_401_y_el_worker_sigue(flower, celery_worker):
    url, nodo, auth = flower["url"], flower["nodo"], flower["auth"]
    peligrosas = [
        ("POST", f"/api/worker/shutdown/{nodo}"),
        ("POST", f"/api/worker/pool/restart/{nodo}"),
        ("POST", "/api/task/revoke/00000000-0000-0000-0000-000000000000?terminate=true"),
        ("POST", "/api/task/async-apply/outbox.tasks.relay"),
        ("POST", "/api/task/apply/outbox.tasks.relay"),
        ("GET", "/api/tasks"),
        ("GET", "/api/workers"),
    ]
    for metodo, ruta in peligrosas:
        for credenciales in (None, ("ops", "otra"), ("otro", auth[1])):
            respuesta = requests.request(metodo, f"{url}{ruta}", auth=credenciales, json={}, timeout=10)
            assert respuesta.status_code == 401, (
                metodo,
                ruta,
                credenciales,
                respuesta.status_code,
                respuesta.text[:200],
            )
    # With the right credentials the task list answers: the 401s above are the auth, not a missing route.
    assert requests.get(f"{url}/api/tasks", auth=auth, timeout=10).status_code == 200
    # The worker was not shut down nor its pool restarted.
    assert celery_worker.poll() is None
    assert any(nodo in respuesta for respuesta in ping(timeout=3))
