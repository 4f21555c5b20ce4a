"""Fixtures of the image tests.

The Celery worker is one process for the whole session, started from this process's
environment, so the moderation service it talks to must be known before it starts:
a pytest-httpserver on a port chosen here, at import (collection) time, before any
test asks for the worker. Backoff and read timeout are made small for the same reason.
"""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_httpserver import HTTPServer

from imagenes import services
from imagenes.models import ImagenUsuario
from myproject import devservices
from pruebas.factories import ProductoFactory, UsuarioFactory

from . import generadores as g

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


@pytest.fixture
def imagen_lista(db):
    """Return a maker of a user's image with its versions made and approved, state ``lista``.

    The processing steps run in this process, one after the other (the chord itself is
    tested with the worker).
    """

    def hacer(usuario) -> ImagenUsuario:
        imagen = services.crear_imagen(
            usuario=usuario,
            archivo=SimpleUploadedFile("f.jpg", g.jpeg_con_gps(1600, 1200)),
            descripcion="Taza",
            formato="JPEG",
        )
        services.generar_thumbnails(imagen_id=imagen.pk)
        services.extraer_metadatos(imagen_id=imagen.pk)
        ImagenUsuario.objects.filter(pk=imagen.pk).update(contenido_seguro=True, confianza_analisis=0.99)
        assert services.finalizar_procesamiento(imagen_id=imagen.pk) == ImagenUsuario.Estado.LISTA
        return ImagenUsuario.objects.get(pk=imagen.pk)

    return hacer


@pytest.fixture(autouse=True)
def _sin_limite_de_subidas(settings):
    """Let the tests upload freely (the fuzzers send hundreds a minute); the limit has its own test."""
    settings.IMAGENES_SUBIDAS_POR_MINUTO = 100_000
