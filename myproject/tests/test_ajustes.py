"""Production settings: no wildcard host, no default secrets without DEBUG.

Each case runs Django in a child process with the production environment of the
README (``DEBUG=0``), since the settings are read once at import.
"""

import subprocess
import sys

import pytest

from pruebas.procesos import BASE_DIR

from .test_despliegue import entorno_de_produccion


def _django(argumentos: list[str], **entorno: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(BASE_DIR), "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(
        [sys.executable, *argumentos], cwd=BASE_DIR, env={**base, **entorno}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("hosts", ["*", "tienda.example.com,*"])
def test_allowed_hosts_nunca_es_comodin_sin_debug(hosts):
    hecho = _django(["manage.py", "check"], **{**entorno_de_produccion(), "ALLOWED_HOSTS": hosts})
    assert hecho.returncode != 0
    assert "ALLOWED_HOSTS may not contain '*'" in hecho.stderr


@pytest.mark.parametrize("falta", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_sin_debug_no_hay_valores_por_defecto_para_secretos_y_hosts(falta):
    entorno = entorno_de_produccion()
    del entorno[falta]
    hecho = _django(["manage.py", "check"], **entorno)
    assert hecho.returncode != 0
    assert falta in hecho.stderr


def test_con_debug_los_hosts_por_defecto_son_locales():
    codigo = "from django.conf import settings; import django; django.setup(); print(settings.ALLOWED_HOSTS)"
    hecho = _django(["-c", codigo], DEBUG="1", DJANGO_SETTINGS_MODULE="myproject.settings")
    assert hecho.stdout.strip() == "['localhost', '127.0.0.1', '[::1]']", hecho.stderr


def test_ningun_reintento_espera_mas_que_el_timeout_de_visibilidad():
    codigo = (
        "import django; django.setup(); from django.conf import settings as s; from ventas import tasks; "
        "print(s.CELERY_MAX_RETRY_DELAY, tasks.REINTENTO_EMAIL['retry_backoff_max'], s.EMAIL_LEASE_SECONDS)"
    )
    hecho = _django(
        ["-c", codigo], DEBUG="1", DJANGO_SETTINGS_MODULE="myproject.settings", CELERY_VISIBILITY_TIMEOUT="60"
    )
    assert hecho.stdout.split() == ["30", "30", "30"], hecho.stderr


def test_un_lease_de_email_mas_largo_que_el_timeout_de_visibilidad_se_rechaza():
    hecho = _django(["manage.py", "check"], DEBUG="1", CELERY_VISIBILITY_TIMEOUT="60", EMAIL_LEASE_SECONDS="90")
    assert hecho.returncode != 0
    assert "EMAIL_LEASE_SECONDS (90) must be above 0 and below CELERY_VISIBILITY_TIMEOUT (60)" in hecho.stderr


def test_el_barrido_de_imagenes_espera_mas_que_una_reentrega():
    codigo = "import django; django.setup(); from django.conf import settings as s; print(s.IMAGENES_MINUTOS_ATASCADA)"
    entorno = {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "myproject.settings"}
    assert _django(["-c", codigo], **entorno).stdout.split() == ["25"]  # 600 s + 300 s + 10 min
    hecho = _django(["-c", codigo], **entorno, CELERY_VISIBILITY_TIMEOUT="3600")
    assert hecho.stdout.split() == ["75"], hecho.stderr  # 3600 s + 300 s + 10 min
