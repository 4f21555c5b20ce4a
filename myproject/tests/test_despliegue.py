"""Production settings: the deploy checks pass with the documented env, and no wildcard host.

Each case runs Django in a child process with a clean production environment
(``DEBUG=0``), since the settings are read once at import.
"""

import os
import secrets
import subprocess
import sys

import pytest

from myproject.testing import BASE_DIR


def _django(argumentos: list[str], **entorno: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(
        [sys.executable, *argumentos], cwd=BASE_DIR, env={**base, **entorno}, capture_output=True, text=True, timeout=60
    )


def _produccion(**extra: str) -> dict[str, str]:
    """Return the production env of docs/reliability.md, with ``extra`` on top."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tienda.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://tienda.example.com",
        **extra,
    }


def test_check_deploy_pasa_con_el_entorno_de_produccion():
    hecho = _django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **_produccion())
    assert hecho.returncode == 0, hecho.stdout + hecho.stderr


@pytest.mark.parametrize("hosts", ["*", "tienda.example.com,*"])
def test_allowed_hosts_nunca_es_comodin_sin_debug(hosts):
    hecho = _django(["manage.py", "check"], **_produccion(ALLOWED_HOSTS=hosts))
    assert hecho.returncode != 0
    assert "ALLOWED_HOSTS may not contain '*'" in hecho.stderr


@pytest.mark.parametrize("falta", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_sin_debug_no_hay_valores_por_defecto_para_secretos_y_hosts(falta):
    entorno = _produccion()
    del entorno[falta]
    hecho = _django(["manage.py", "check"], **entorno)
    assert hecho.returncode != 0
    assert falta in hecho.stderr


def test_con_debug_los_hosts_por_defecto_son_locales():
    codigo = "from django.conf import settings; import django; django.setup(); print(settings.ALLOWED_HOSTS)"
    hecho = _django(["-c", codigo], DEBUG="1", DJANGO_SETTINGS_MODULE="myproject.settings")
    assert hecho.stdout.strip() == "['localhost', '127.0.0.1', '[::1]']", hecho.stderr
