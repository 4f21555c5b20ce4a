"""Fixtures of the image tests.

The Celery worker is one process for the whole session, started from this process's
environment, so the moderation service it talks to must be known before it starts:
a pytest-httpserver on a port chosen here, at import (collection) time, before any
test asks for the worker. Backoff and read timeout are made small for the same reason.
"""

import os

import pytest
from pytest_httpserver import HTTPServer

from myproject import devservices
from myproject.testing import usar_hash_rapido
from ventas.tests.factories import ProductoFactory, UsuarioFactory

PUERTO_MODERACION = devservices.free_port()
URL_MODERACION = f"http://127.0.0.1:{PUERTO_MODERACION}/moderar"
os.environ["MODERATION_API_URL"] = URL_MODERACION
os.environ["MODERATION_BACKOFF"] = "0.2"
os.environ["MODERATION_READ_TIMEOUT"] = "1"


@pytest.fixture(scope="session")
def make_httpserver():
    """pytest-httpserver's server, on the port the worker knows, threaded so a slow answer blocks nothing."""
    servidor = HTTPServer(host="127.0.0.1", port=PUERTO_MODERACION, threaded=True)
    servidor.start()
    yield servidor
    servidor.clear()
    if servidor.is_running():
        servidor.stop()


@pytest.fixture
def ajustes_moderacion(settings):
    """Give this process the moderation settings the worker got from the environment."""
    settings.MODERATION_API_URL = os.environ["MODERATION_API_URL"]
    settings.MODERATION_BACKOFF = float(os.environ["MODERATION_BACKOFF"])
    settings.MODERATION_READ_TIMEOUT = float(os.environ["MODERATION_READ_TIMEOUT"])
    return settings


@pytest.fixture
def usuaria(db):
    return UsuarioFactory(username="fotografa")


@pytest.fixture
def cliente(client, usuaria):
    client.force_login(usuaria)
    return client


@pytest.fixture
def producto_propio(usuaria):
    return ProductoFactory(vendedor=usuaria, nombre="Taza con foto")


@pytest.fixture(autouse=True)
def _hash_rapido(settings):
    usar_hash_rapido(settings)


@pytest.fixture(autouse=True)
def _sin_limite_de_subidas(settings):
    """Let the tests upload freely (the fuzzers send hundreds a minute); the limit has its own test."""
    settings.IMAGENES_SUBIDAS_POR_MINUTO = 100_000
