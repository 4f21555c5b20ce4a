"""Regenerate the README's screenshots from the real pages.

Starts the real stack with the benchmarks' harness (bench.common.Pila: a private Redis, a
fresh SQLite database, a Celery worker and Daphne), fills a small shop
(pruebas.tienda_de_muestra), makes live sales and photographs, in Debian's chromium:

- docs/panel-vendedor.png   the seller dashboard at 1366×900 with two live sale popups
- docs/venta-telefono.png   a buyer's sale page at 390×844, invoice and email done
- docs/aviso-telefono.png   the seller dashboard at 390×844 as a sale's popup arrives

    python docs/capturas.py
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import Pila, progreso  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DOCS = BASE_DIR / "docs"
ZONA = "America/Mexico_City"


def main() -> None:
    with Pila("capturas", settings="myproject.settings") as pila:
        pila.worker()
        _, puerto = pila.daphne()
        base = f"http://127.0.0.1:{puerto}"

        from playwright.sync_api import expect, sync_playwright

        from pruebas.paginas import ANCHOS
        from pruebas.procesos import cookie_de_sesion
        from pruebas.tienda_de_muestra import hacer_tienda, marcar_todo_leido, vender

        progreso("filling the shop")
        tienda = hacer_tienda()
        sesion = cookie_de_sesion(tienda["vendedor"]).split("=", 1)[1]
        cafe = tienda["cafe"].pk
        expect.set_options(timeout=30_000)

        with sync_playwright() as p:
            navegador = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )

            def contexto(ancho: str):
                ctx = navegador.new_context(
                    viewport=ANCHOS[ancho],
                    device_scale_factor=2 if ancho == "telefono" else 1,
                    timezone_id=ZONA,
                    locale="es-MX",
                    is_mobile=ancho == "telefono",
                )
                ctx.add_cookies([{"name": "sessionid", "value": sesion, "url": base}])
                return ctx.new_page()

            progreso("seller dashboard, desktop")
            panel = contexto("escritorio")
            panel.goto(base + "/vendedor/")
            expect(panel.locator("#estado-conexion")).to_have_text("En vivo")
            vender(comprador=tienda["comprador"], producto_id=cafe, cantidad=2)
            vender(comprador=tienda["comprador"], producto_id=cafe, cantidad=1)
            expect(panel.locator(".popup")).to_have_count(2)
            panel.wait_for_timeout(400)  # the popups' entry animation
            panel.screenshot(path=str(DOCS / "panel-vendedor.png"))
            panel.context.close()

            marcar_todo_leido(tienda["vendedor"])  # no popups left over from the dashboard
            progreso("sale page, phone")
            venta = contexto("telefono")
            venta.goto(base + f"/ventas/{tienda['ids']['venta']}/")
            expect(venta.locator("#paso-factura")).to_have_class("hecho")
            expect(venta.locator("#paso-email")).to_have_class("hecho")
            venta.screenshot(path=str(DOCS / "venta-telefono.png"))
            venta.context.close()

            progreso("seller's popup, phone")
            aviso = contexto("telefono")
            aviso.goto(base + "/vendedor/")
            expect(aviso.locator("#estado-conexion")).to_have_text("En vivo")
            vender(comprador=tienda["comprador"], producto_id=cafe, cantidad=3)
            expect(aviso.locator(".popup-mensaje").first).to_contain_text("compró 3")
            aviso.wait_for_timeout(400)
            aviso.screenshot(path=str(DOCS / "aviso-telefono.png"))
            aviso.context.close()
            navegador.close()
        for nombre in ("panel-vendedor.png", "venta-telefono.png", "aviso-telefono.png"):
            print(f"docs/{nombre}  {(DOCS / nombre).stat().st_size // 1024} KiB")
        del pila


if __name__ == "__main__":
    main()
