"""DEBUG is off unless asked for, and with it on the debug page shows no password that
sits inside a URL-valued setting (broker, Redis, result backend, channel layer)."""

import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from pruebas.procesos import BASE_DIR, detener, iniciar_daphne

from .test_despliegue import entorno_de_produccion

CLAVES = ["clave-del-broker", "clave-de-redis", "clave-de-resultados", "clave-local"]


def test_sin_la_variable_debug_esta_apagado():
    entorno = {**entorno_de_produccion(), "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "myproject.settings"}
    del entorno["DEBUG"]
    codigo = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    hecho = subprocess.run(
        [sys.executable, "-c", codigo], cwd=BASE_DIR, env=entorno, capture_output=True, text=True, timeout=60
    )
    assert hecho.stdout.strip() == "False", hecho.stderr


def test_el_informe_de_error_tapa_las_claves_de_las_urls(settings):
    # Built from CLAVES, never held in a local: the report shows the frames' source and locals.
    settings.CELERY_BROKER_URL = f"amqp://tienda:{CLAVES[0]}@rabbitmq:5672//"
    settings.REDIS_URL = f"redis://:{CLAVES[1]}@redis:6379/0"
    settings.CELERY_RESULT_BACKEND = f"redis://{CLAVES[2]}@redis:6379/1"
    settings.CHANNEL_LAYERS = {"default": {"CONFIG": {"hosts": [{"address": settings.REDIS_URL}]}}}
    peticion = RequestFactory().get("/", HTTP_REFERER=f"https://x:{CLAVES[3]}@example.com/")

    def falla():
        url = f"redis://:{CLAVES[3]}@redis:6379/0"  # noqa: F841 - a local the report lists
        raise RuntimeError("boom")

    try:
        falla()
    except RuntimeError:
        html = ExceptionReporter(peticion, *sys.exc_info()).get_traceback_html()
    assert "CELERY_BROKER_URL" in html and "amqp://tienda:********************@rabbitmq" in html
    for clave in CLAVES:
        assert clave not in html, clave


@pytest.fixture
def daphne_con_claves(django_db_setup, redis_privado):
    """A DEBUG Daphne whose URL settings all carry credentials (none is used to answer)."""
    broker, redis, resultados, _ = CLAVES
    proceso, puerto = iniciar_daphne(
        "daphne_debug",
        DEBUG="1",
        CELERY_BROKER_URL=f"amqp://tienda:{broker}@127.0.0.1:1//",
        CELERY_RESULT_BACKEND=f"redis://:{resultados}@127.0.0.1:1/0",
        REDIS_URL=f"redis://:{redis}@127.0.0.1:{redis_privado.port}/0",
    )
    yield puerto
    detener(proceso)


@pytest.mark.stack
def test_un_host_falso_ve_la_pagina_de_debug_sin_claves(daphne_con_claves):
    pedido = urllib.request.Request(f"http://127.0.0.1:{daphne_con_claves}/", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(pedido, timeout=30)
    assert error.value.code == 400
    pagina = error.value.read().decode()
    assert "DisallowedHost" in pagina and "CELERY_RESULT_BACKEND" in pagina  # the page with the settings
    for clave in CLAVES:
        assert clave not in pagina, clave
