import importlib
import sys

import pytest

from myproject.beat import programar
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.procesos import detener, lanzar


@pytest.fixture
def comprador(db):
    return UsuarioFactory(username="comprador_prueba")


@pytest.fixture
def vendedor(db):
    return UsuarioFactory(username="vendedor_prueba")


@pytest.fixture
def producto(vendedor):
    return ProductoFactory(vendedor=vendedor, nombre="Café de prueba", stock=10, stock_minimo=3)


@pytest.fixture
def cliente_comprador(client, comprador):
    client.force_login(comprador)
    return client


@pytest.fixture
def relay_del_outbox(celery_worker):
    """The outbox relay as production runs it: its schedule from migration outbox/0002, a real Beat, the worker.

    Return the relay's interval in seconds. Transactional tests flush the schedule the
    migration made, so it is written again here, by the migration's own helper.
    """
    from django.apps import apps

    migracion = importlib.import_module("outbox.migrations.0002_relay_periodico")
    programar(apps, migracion.TAREAS)
    comando = [sys.executable, "-m", "celery", "-A", "myproject", "beat", "-l", "info", "--pidfile="]
    beat = lanzar("beat-outbox", [*comando, "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"])
    yield migracion.TAREAS[0]["interval"]["every"]
    detener(beat)
