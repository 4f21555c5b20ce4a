"""A strict Content-Security-Policy on every page, and templates that need nothing looser.

The browser check (no violation on the main pages, the socket connects under
``connect-src 'self'``) is in ``test_csp_navegador.py``.
"""

import json
import re
import subprocess
import sys

import pytest

from pruebas.procesos import BASE_DIR

from .test_despliegue import entorno_de_produccion

EXIGIDAS = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# What would need 'unsafe-inline' (or a nonce) to run: inline scripts and styles, handlers.
EN_LINEA = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)


def _politica(cabecera: str) -> dict[str, str]:
    return dict(parte.strip().split(" ", 1) for parte in cabecera.split(";") if parte.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("ruta", ["/", "/accounts/login/", "/health/", "/admin/login/"])
def test_cada_respuesta_lleva_la_politica_estricta(client, ruta):
    respuesta = client.get(ruta)
    politica = _politica(respuesta["Content-Security-Policy"])
    for directiva, valor in EXIGIDAS.items():
        assert politica[directiva] == valor, (directiva, politica)
    assert "unsafe" not in respuesta["Content-Security-Policy"]


def test_las_plantillas_no_tienen_codigo_en_linea():
    """Pages only: the HTML emails are not served under the policy and need inline styles."""
    for plantilla in (BASE_DIR / "templates").rglob("*.html"):
        if "emails" in plantilla.parts:
            continue
        encontrado = EN_LINEA.search(plantilla.read_text())
        assert not encontrado, f"{plantilla.relative_to(BASE_DIR)}: {encontrado.group(0)!r}"


def test_los_origenes_extra_se_suman_solo_donde_se_piden():
    codigo = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(json.dumps([d['script-src'], d['frame-src'], d['connect-src'], d['default-src']]))"
    )
    entorno = {
        **entorno_de_produccion(),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "myproject.settings",
        "CSP_EXTRA_SCRIPT_SRC": "https://js.stripe.com",
        "CSP_EXTRA_FRAME_SRC": "https://js.stripe.com,https://hooks.stripe.com",
        "CSP_EXTRA_CONNECT_SRC": "https://api.stripe.com",
    }
    hecho = subprocess.run(
        [sys.executable, "-c", codigo], cwd=BASE_DIR, env=entorno, capture_output=True, text=True, timeout=60
    )
    assert json.loads(hecho.stdout) == [
        ["'self'", "https://js.stripe.com"],
        ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"],
        ["'self'", "https://api.stripe.com"],
        ["'self'"],
    ], hecho.stderr
