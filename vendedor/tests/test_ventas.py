"""/vendedor/ventas/: the seller's own lines, filtered by state and date, in pages and as CSV."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from pruebas.factories import ProductoFactory, VentaFactory
from ventas.models import Venta

ZONA = ZoneInfo(settings.TIME_ZONE)


def _csv(respuesta) -> list[dict]:
    texto = b"".join(respuesta.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(texto)))


def test_filtros_paginas_y_csv(cliente_vendedora, producto, vendedora):
    ajeno = ProductoFactory(nombre="Producto ajeno")
    dia = datetime(2026, 11, 10, 12, 0, tzinfo=ZONA)
    # 55 paid lines over 55 days, 3 cancelled ones, and one order with her line and someone else's.
    for i in range(55):
        VentaFactory(producto=producto, fecha_creacion=dia - timedelta(days=i), numero=f"P-{i:03d}")
    for i in range(3):
        VentaFactory(producto=producto, estado=Venta.Estado.CANCELADA, fecha_creacion=dia, numero=f"C-{i}")
    mixta = VentaFactory(lineas=[(producto, 2), (ajeno, 1)], fecha_creacion=dia, numero="MIXTA")

    primera = cliente_vendedora.get("/vendedor/ventas/").content.decode()
    assert "Página 1 de 2" in primera and "Producto ajeno" not in primera
    segunda = cliente_vendedora.get("/vendedor/ventas/?page=2").content.decode()
    numeros = {f"P-{i:03d}" for i in range(55)}
    vistos = {n for n in numeros if f">{n}<" in primera} | {n for n in numeros if f">{n}<" in segunda}
    assert vistos == numeros  # every line on one page or the other: not only the last 20

    canceladas = cliente_vendedora.get("/vendedor/ventas/?estado=cancelada").content.decode()
    assert canceladas.count('data-venta="') == 3

    filtro = "?estado=pagada&desde=2026-11-01&hasta=2026-11-10"
    pagina = cliente_vendedora.get("/vendedor/ventas/" + filtro).content.decode()
    assert pagina.count('data-venta="') == 10 + 1  # ten days of P-, and MIXTA's line
    filas = _csv(cliente_vendedora.get("/vendedor/ventas/csv/" + filtro))
    assert len(filas) == 11
    assert {f["producto"] for f in filas} == {"Café de Chiapas"}  # her line of MIXTA only
    mixta_fila = next(f for f in filas if f["pedido"] == mixta.numero)
    assert mixta_fila["cantidad"] == "2" and mixta_fila["subtotal"] == str(producto.precio * 2)
    assert all("2026-11-01" <= f["fecha"][:10] <= "2026-11-10" and f["estado"] == "pagada" for f in filas)

    assert len(_csv(cliente_vendedora.get("/vendedor/ventas/csv/"))) == 55 + 3 + 1
    assert cliente_vendedora.get("/vendedor/ventas/?desde=2026-11-10&hasta=2026-11-01").status_code == 400


def test_csv_neutraliza_formulas(cliente_vendedora, vendedora):
    peligroso = ProductoFactory(vendedor=vendedora, nombre='=HYPERLINK("http://x")')
    VentaFactory(producto=peligroso)
    filas = _csv(cliente_vendedora.get("/vendedor/ventas/csv/"))
    assert filas[0]["producto"].startswith("'=")


def test_un_comprador_no_tiene_ventas_de_vendedor(client, db):
    from pruebas.factories import UsuarioFactory

    client.force_login(UsuarioFactory(username="solo_compra"))
    assert client.get("/vendedor/ventas/").status_code == 403
    assert client.get("/vendedor/ventas/csv/").status_code == 403
