"""Load: many buyers at once against the real stack (Daphne, a Celery worker, Redis, SMTP).

Each buyer is an httpx client with its own real session cookie and CSRF token; it
buys, follows the redirect to its sale, and buys again until time is up. Afterwards
every sale must be there once, with its email and invoice, and no unit oversold.

The web side is ``make run``'s: ``CARGA_PROCESOS`` Daphne processes (default: one per
core, as ``WEB_PROCESSES``) sharing one listening socket. Scale with
``CARGA_COMPRADORES``, ``CARGA_SEGUNDOS`` and ``CARGA_STOCK`` (units per product); the
suite runs a short version, ``make load`` the full 200 buyers × 60 s.
"""

import asyncio
import json
import logging
import os
import random
import re
import statistics
import time

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from myproject.runner import default_web_processes
from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.pedidos import VISA, pagar
from pruebas.procesos import BASE_DIR, LOG_DIR, Procesos, cookie_de_sesion, esperar
from ventas.models import LineaVenta, MovimientoInventario, Producto, Venta

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

COMPRADORES = int(os.environ.get("CARGA_COMPRADORES", "50"))
SEGUNDOS = float(os.environ.get("CARGA_SEGUNDOS", "15"))
STOCK = int(os.environ.get("CARGA_STOCK", "4"))
PROCESOS = int(os.environ.get("CARGA_PROCESOS", "0")) or default_web_processes()
PRODUCTOS = 10
INFORME = BASE_DIR / "var" / "bench" / "carga.json"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def daphne(celery_worker):
    """PROCESOS real Daphne processes of this test's own on one socket, against the test database."""
    procesos = Procesos(LOG_DIR, prefijo="carga-")
    _, puerto = procesos.iniciar_daphnes("daphne", PROCESOS)
    yield f"http://127.0.0.1:{puerto}"
    procesos.detener_todos()


def _sesiones(n: int) -> list[str]:
    """Create ``n`` buyers and a logged-in session for each; return the session keys."""
    clave = make_password(settings.DEMO_PASSWORD)  # hashed once, not once per buyer
    usuarios = get_user_model().objects.bulk_create(
        get_user_model()(username=f"carga{i}", email=f"carga{i}@example.com", password=clave) for i in range(n)
    )
    return [
        cookie_de_sesion(usuario).split("=", 1)[1]
        for usuario in get_user_model().objects.filter(pk__in=[u.pk for u in usuarios])
    ]


async def _comprador(url: str, sesion: str, productos: list[int], fin: float, registro: list) -> None:
    azar = random.Random(sesion)
    cookies = {settings.SESSION_COOKIE_NAME: sesion}
    limites = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=120, limits=limites) as cliente:

        async def pedir(metodo: str, ruta: str, **kwargs) -> httpx.Response | None:
            inicio = time.perf_counter()
            try:
                respuesta = await cliente.request(metodo, ruta, **kwargs)
            except httpx.HTTPError as error:
                registro.append((metodo, ruta, repr(error), time.perf_counter() - inicio, None))
                return None
            registro.append((metodo, ruta, respuesta.status_code, time.perf_counter() - inicio, respuesta))
            return respuesta

        pagina = await pedir("GET", f"/productos/{productos[0]}/")
        token = TOKEN.search(pagina.text).group(1)
        while time.monotonic() < fin:
            producto = azar.choice(productos)
            datos = {"cantidad": str(azar.randint(1, 3)), "csrfmiddlewaretoken": token, "metodo_pago": VISA, **ENVIO}
            respuesta = await pedir("POST", f"/ventas/comprar/{producto}/", data=datos)
            if respuesta is not None and respuesta.status_code == 302:
                await pedir("GET", respuesta.headers["Location"])


async def _carga(url: str, sesiones: list[str], productos: list[int], segundos: float) -> list:
    registro: list = []
    fin = time.monotonic() + segundos
    await asyncio.gather(*(_comprador(url, s, productos, fin, registro) for s in sesiones))
    return registro


def _percentil(valores: list[float], p: float) -> float:
    return statistics.quantiles(valores, n=100, method="inclusive")[p - 1] if len(valores) > 1 else valores[0]


def test_compradores_a_la_vez_sin_5xx_sin_sobreventa_sin_ventas_perdidas(daphne, buzon, capsys):
    vendedor = UsuarioFactory()
    productos = [ProductoFactory(vendedor=vendedor, stock=STOCK, stock_minimo=0) for _ in range(PRODUCTOS)]
    sesiones = _sesiones(COMPRADORES)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise

    inicio = time.monotonic()
    registro = asyncio.run(_carga(daphne, sesiones, [p.pk for p in productos], SEGUNDOS))
    duracion = time.monotonic() - inicio

    errores = [r[:3] for r in registro if not isinstance(r[2], int) or r[2] >= 500]
    assert errores == [], f"{len(errores)} failed requests, first: {errores[:5]}"
    compras = [r for r in registro if r[0] == "POST"]
    hechas = [r[4] for r in compras if r[2] == 302]
    assert {r[2] for r in compras} <= {302, 409}

    # No oversell, no sale lost, no sale doubled.
    ventas = Venta.objects.filter(lineas__producto__in=productos).distinct()
    assert sorted(int(r.headers["Location"].split("/")[2]) for r in hechas) == sorted(
        ventas.values_list("pk", flat=True)
    )
    for producto in Producto.objects.filter(pk__in=[p.pk for p in productos]):
        vendidas = sum(LineaVenta.objects.filter(producto=producto).values_list("cantidad", flat=True))
        assert producto.stock == STOCK - vendidas >= 0
    assert MovimientoInventario.objects.filter(venta__in=ventas).count() == len(hechas)
    # Settled as the charge settles them (the charge is pagos' to test): then each pipeline runs.
    for venta_id in ventas.values_list("pk", flat=True):
        pagar(Venta(pk=venta_id))
    esperar(
        lambda: ventas.filter(email_enviado=True).count() == len(hechas),
        timeout=30 + len(hechas),
        intervalo=0.5,
        mensaje="every sale's confirmation",
    )
    for venta in ventas:
        assert venta.factura, venta
        assert len([m for m in buzon.mensajes if venta.numero in str(m["Subject"])]) == 1, venta

    latencias = sorted(r[3] for r in registro)
    informe = {
        "compradores": COMPRADORES,
        "procesos_web": PROCESOS,
        "segundos": round(duracion, 1),
        "peticiones": len(registro),
        "peticiones_por_segundo": round(len(registro) / duracion, 1),
        "compras_302": len(hechas),
        "agotado_409": sum(1 for r in compras if r[2] == 409),
        "unidades_vendidas": PRODUCTOS * STOCK
        - sum(Producto.objects.filter(pk__in=[p.pk for p in productos]).values_list("stock", flat=True)),
        "p50_ms": round(1000 * _percentil(latencias, 50)),
        "p95_ms": round(1000 * _percentil(latencias, 95)),
        "p99_ms": round(1000 * _percentil(latencias, 99)),
        "max_ms": round(1000 * latencias[-1]),
    }
    INFORME.parent.mkdir(parents=True, exist_ok=True)
    INFORME.write_text(json.dumps(informe, indent=2))
    with capsys.disabled():  # reported on every run, not only with -s
        print(f"\nCarga ({INFORME.relative_to(BASE_DIR)}): {json.dumps(informe)}")
