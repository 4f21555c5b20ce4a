"""Every page of pruebas/paginas.py in a real Chromium, at desktop and phone widths, logged
out and in: zero axe-core WCAG 2.1 A/AA violations, nothing wider than a phone's screen,
no failed request (favicon included), a one-line header; and the seller's live popup,
with the browser in another time zone, lands inside the phone's screen and tells the
shop's time. One browser launch for all of it, against the session's real Daphne.
"""

import os
import re
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from pruebas.paginas import ANCHOS, PAGINAS
from pruebas.tienda_de_muestra import hacer_tienda, vender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ZONA_DEL_NAVEGADOR = "Asia/Tokyo"  # 15 hours from the shop's America/Mexico_City
ETIQUETAS_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed")
if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
    pytest.skip(f"Debian chromium not found at {CHROMIUM}", allow_module_level=True)


def _sesion(usuario) -> str:
    cliente = Client()
    cliente.force_login(usuario)
    return cliente.cookies["sessionid"].value


def _violaciones(axe, pagina) -> list[str]:
    resultado = axe.run(pagina, options={"runOnly": {"type": "tag", "values": ETIQUETAS_WCAG}})
    return [
        f"{v['id']}: {v['help']} → {[n['target'] for n in v['nodes']][:3]}" for v in resultado.response["violations"]
    ]


def test_cada_pagina_accesible_y_a_la_medida_y_el_aviso_en_pantalla(localstripe, celery_worker, daphne):
    tienda = hacer_tienda()  # (ORM work before Playwright starts its loop in this thread)
    sesiones = {quien: _sesion(tienda[quien]) for quien in {destino.quien for destino in PAGINAS}}
    sesion = sesiones["vendedor"]
    base = f"http://127.0.0.1:{daphne[1]}"
    axe = axe_sync.Axe()
    fallos: list[str] = []

    with sync_api.sync_playwright() as p:
        navegador = p.chromium.launch(
            executable_path=CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for nombre_ancho in ANCHOS:
            for con_sesion in (False, True):
                fallos += _recorrer(navegador, axe, base, tienda["ids"], nombre_ancho, sesiones if con_sesion else None)

        _aviso_del_vendedor_en_el_telefono(sync_api.expect, navegador, base, sesion, tienda, axe)
        navegador.close()
    assert fallos == []


def _recorrer(navegador, axe, base: str, ids: dict, nombre_ancho: str, sesiones: dict | None) -> list[str]:
    """Visit every page of the list at one width, logged in (as each page's ``quien``) or out; return what is wrong."""
    fallos: list[str] = []
    errores: list[str] = []
    contextos: dict = {}

    def pagina_de(quien: str | None):
        if quien not in contextos:
            # Reduced motion: a popup replayed at load fades in over .25 s, and axe would measure
            # its text's contrast mid-fade.
            contexto = navegador.new_context(
                viewport=ANCHOS[nombre_ancho], timezone_id=ZONA_DEL_NAVEGADOR, locale="en-US", reduced_motion="reduce"
            )
            if quien:
                contexto.add_cookies([{"name": "sessionid", "value": sesiones[quien], "url": base}])
            nueva = contexto.new_page()
            nueva.on("response", lambda r: r.status >= 400 and errores.append(f"{r.status} {r.url}"))
            nueva.on("pageerror", lambda e: errores.append(f"error de JS: {e}"))
            contextos[quien] = (contexto, nueva)
        return contextos[quien][1]

    for destino in PAGINAS:
        if not destino.se_visita(bool(sesiones)):
            continue
        pagina = pagina_de(destino.quien if sesiones else None)
        donde = f"{destino.nombre} ({nombre_ancho}, {'con' if sesiones else 'sin'} sesión)"
        pagina.goto(base + destino.ruta.format(**ids), wait_until="load")
        fallos += [f"{donde}: {v}" for v in _violaciones(axe, pagina)]
        ancho = pagina.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if ancho[0] > ancho[1]:
            fallos.append(f"{donde}: la página mide {ancho[0]} px en una pantalla de {ancho[1]}")
        alto_barra = pagina.locator("header.barra").bounding_box()["height"]
        if alto_barra > 70:
            fallos.append(f"{donde}: la cabecera mide {alto_barra:.0f} px de alto")
    if nombre_ancho == "telefono" and sesiones:
        _menu_compacto(sync_api.expect, pagina_de("vendedor"), base)
    fallos += [f"({nombre_ancho}) {e}" for e in errores]
    for contexto, _ in contextos.values():
        contexto.close()
    return fallos


def _menu_compacto(expect, pagina, base):
    """On a phone the links hide behind "Menú"; opening it shows them."""
    pagina.goto(base + "/")
    enlace = pagina.get_by_role("link", name="Mis compras")
    expect(enlace).to_be_hidden()
    pagina.get_by_text("Menú").click()
    expect(enlace).to_be_visible()
    enlace.click()
    pagina.wait_for_url(base + "/ventas/")


def _aviso_del_vendedor_en_el_telefono(expect, navegador, base, sesion, tienda, axe):
    expect.set_options(timeout=15_000)
    contexto = navegador.new_context(
        viewport=ANCHOS["telefono"], timezone_id=ZONA_DEL_NAVEGADOR, locale="en-US", is_mobile=True, has_touch=True
    )
    contexto.add_cookies([{"name": "sessionid", "value": sesion, "url": base}])
    panel = contexto.new_page()
    panel.goto(base + "/vendedor/")
    assert panel.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == ZONA_DEL_NAVEGADOR
    expect(panel.locator("#estado-conexion")).to_have_text("En vivo")
    filas_del_servidor = panel.locator("#ventas-tbody tr td:last-child").all_text_contents()

    for _ in range(3):
        vender(comprador=tienda["comprador"], producto_id=tienda["cafe"].pk, cantidad=2)
    expect(panel.locator("#ventas-tbody tr.nueva")).to_have_count(3)
    popups = panel.locator(".popup")
    expect(popups).to_have_count(2)  # at most two stacked on a phone
    expect(popups.first.locator(".popup-monto")).to_have_text("$378.00")

    pantalla = ANCHOS["telefono"]
    for caja in (popups.nth(0).bounding_box(), popups.nth(1).bounding_box()):
        assert caja["x"] >= 0 and caja["y"] >= pantalla["height"] / 2, caja  # bottom half, never over the header
        assert caja["x"] + caja["width"] <= pantalla["width"] and caja["y"] + caja["height"] <= pantalla["height"], caja
    assert panel.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # One clock: the live row and the popup tell the shop's time, 24-hour, like the server's rows.
    instante = datetime.fromisoformat(popups.first.locator("time").get_attribute("datetime"))
    en_la_tienda = instante.astimezone(ZoneInfo(settings.TIME_ZONE))
    expect(popups.first.locator("time")).to_have_text(f"{en_la_tienda:%H:%M}")
    expect(panel.locator("#ventas-tbody tr.nueva td:last-child").first).to_have_text(f"{en_la_tienda:%Y-%m-%d %H:%M}")
    # The server's rows were rendered in the same zone: the shop's sales made minutes ago.
    for texto in filas_del_servidor:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", texto), texto
        hecha = datetime.strptime(texto, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        assert abs((en_la_tienda - hecha).total_seconds()) < 600, (texto, en_la_tienda)
    expect(panel.locator("#ventas-tbody tr.nueva td[data-label=Total]").first).to_have_text("$378.00")
    assert _violaciones(axe, panel) == []

    # Dismissible: Escape closes the newest, the close button the other.
    panel.keyboard.press("Escape")
    expect(popups).to_have_count(1)
    popups.first.locator(".popup-cerrar").click()
    expect(popups).to_have_count(0)
    contexto.close()
