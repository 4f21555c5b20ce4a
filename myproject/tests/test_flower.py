"""Flower, started the way Procfile and compose start it, against the test broker."""

import os
import subprocess
import sys

import pytest
import requests

from pruebas.procesos import BASE_DIR, esperar


@pytest.mark.django_db(transaction=True)
def test_flower_lista_el_worker_y_pide_credenciales(flower):
    url, nodo, auth = flower["url"], flower["nodo"], flower["auth"]

    def trabajadores():
        # refresh=1: ask the workers now, not Flower's cache (a loaded machine may miss its first inspect).
        respuesta = requests.get(f"{url}/api/workers?refresh=1", auth=auth, timeout=15)
        return respuesta.status_code == 200 and nodo in respuesta.json() and respuesta.json()

    workers = esperar(trabajadores, timeout=45, mensaje="Flower to list the worker")
    assert "celery" in {cola["name"] for cola in workers[nodo]["active_queues"]}
    assert requests.get(f"{url}/api/workers", timeout=5).status_code == 401
    assert requests.get(f"{url}/", auth=("ops", "otra"), timeout=5).status_code == 401
    assert requests.get(f"{url}/", auth=auth, timeout=5).status_code == 200
    # What compose's healthcheck probes, with the credentials (issue 14: no longer open).
    assert requests.get(f"{url}/healthcheck", auth=auth, timeout=5).text == "OK"


@pytest.mark.django_db(transaction=True)
def test_metrics_y_healthcheck_piden_credenciales_y_nadie_enmarca_flower(flower):
    """Task names and counts in /metrics tell how many sales the shop makes."""
    url, auth = flower["url"], flower["auth"]
    for ruta in ("/metrics", "/healthcheck"):
        for credenciales in (None, ("ops", "otra"), ("otro", auth[1])):
            respuesta = requests.get(f"{url}{ruta}", auth=credenciales, timeout=10)
            assert respuesta.status_code == 401, (ruta, credenciales, respuesta.text[:200])
            assert respuesta.headers["WWW-Authenticate"] == 'Basic realm="flower"'
        assert requests.get(f"{url}{ruta}", auth=auth, timeout=10).status_code == 200, ruta
    assert "flower_events_total" in requests.get(f"{url}/metrics", auth=auth, timeout=10).text
    for ruta in ("/", "/tasks"):
        pagina = requests.get(f"{url}{ruta}", auth=auth, timeout=10)
        assert pagina.status_code == 200 and pagina.headers["X-Frame-Options"] == "DENY", ruta
        assert pagina.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("auth", "mensaje"),
    [("", "FLOWER_BASIC_AUTH is required in production"), ("sin-clave", 'must be "user:password"')],
)
def test_flower_no_arranca_en_produccion_sin_credenciales(auth, mensaje):
    resultado = subprocess.run(
        [sys.executable, "-m", "myproject.flower", "--port=1"],
        cwd=BASE_DIR,
        env={**os.environ, "DEBUG": "0", "FLOWER_BASIC_AUTH": auth},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert resultado.returncode != 0
    assert mensaje in resultado.stderr


def test_las_tareas_no_llevan_datos_personales_en_sus_argumentos():
    """Flower and the broker show task arguments: ours pass ids, never emails or names.

    A task that must carry personal data has to be sent with argsrepr/kwargsrepr hiding it.
    """
    import inspect

    from myproject.celery import app

    app.loader.import_default_modules()
    sospechosos = ("email", "correo", "nombre", "usuario", "direccion", "telefono", "password")
    for nombre, tarea in app.tasks.items():
        if nombre.startswith("celery."):
            continue
        for parametro in inspect.signature(tarea.run).parameters:
            assert not any(p in parametro.lower() for p in sospechosos), f"{nombre}({parametro})"


@pytest.mark.django_db(transaction=True)
def test_cada_tarea_de_una_venta_se_ve_en_flower_con_su_numero(flower, buzon):
    """The pipeline's root task ends SUCCESS (it no longer replaces itself), and each task carries the order id."""
    from myproject.celery import app
    from pruebas.factories import ProductoFactory, UsuarioFactory
    from pruebas.pedidos import comprar_y_pagar
    from ventas.models import Venta

    url, auth = flower["url"], flower["auth"]

    # Events are not stored: Flower sees a task only if it listens when the task runs. Probe
    # until a probe of ours shows up, then order.
    def escucha():
        sonda = app.send_task("pruebas.tasks.sonda")
        sonda.get(timeout=30)
        return sonda.id in requests.get(f"{url}/api/tasks", auth=auth, timeout=10).json()

    esperar(escucha, timeout=60, intervalo=1, mensaje="Flower to receive the worker's task events")
    venta = comprar_y_pagar(comprador=UsuarioFactory(), producto_id=ProductoFactory().pk)
    esperar(lambda: Venta.objects.get(pk=venta.pk).email_enviado, timeout=60, mensaje="the confirmation email")
    nombres = [
        "ventas.tasks.procesar_venta_completa",
        "ventas.tasks.generar_factura_pdf",
        "ventas.tasks.enviar_email_confirmacion",
    ]

    def vistas():
        tareas = requests.get(f"{url}/api/tasks", auth=auth, timeout=10).json().values()
        suyas = {t["name"]: t["state"] for t in tareas if t.get("args") in (f"({venta.pk},)", f"[{venta.pk}]")}
        return all(suyas.get(nombre) == "SUCCESS" for nombre in nombres) and suyas

    # Flower learns of tasks from the workers' events, which it reads in batches: give it a minute.
    assert set(esperar(vistas, timeout=60, mensaje="Flower to show the order's tasks done")) >= set(nombres)
