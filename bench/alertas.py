"""Seller alert latency: a sale commits → its "nueva_venta" arrives in the seller's socket.

One Daphne process; 1, 100 and 1,000 sellers connected with real WebSocket clients
(the `websockets` package, logged-in session cookies). Sales are committed in this
process; the clock starts in the sale's first on-commit hook, right before the
notification's group_send, and stops when the seller's socket receives the message.
Floor: a bare channels_redis group_send → receive, in one process, on the same Redis.
Targets: p99 <= 50 ms at 1,000 sellers; p50 <= 2× the floor.

Both channel layers of channels_redis, each in its own process and stack (settings are
read once): ``redis``, the project's ``RedisChannelLayer`` (a list per channel, a
BZPOPMIN per receive), and ``pubsub``, ``RedisPubSubChannelLayer`` (Redis PUBLISH/
SUBSCRIBE, one subscriber connection per process; bench/settings.py swaps it in when
BENCH_CAPA=pubsub). Each layer's p50 is set against its own floor and the project's.

    python -m bench.alertas [--ventas 200] [--capa redis|pubsub]
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time

import websockets

from .common import BASE_DIR, Pila, guardar, imprimir_tabla, mediana, percentil, progreso, sesion_para

VENDEDORES = (1, 100, 1000)
# An alert that has not reached its socket after this many seconds is counted lost.
ESPERA = 10.0
CAPAS = {"redis": "channels_redis.core.RedisChannelLayer", "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer"}


async def _piso(muestras: int) -> list[float]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    canal = await layer.new_channel()
    await layer.group_add("bench_piso", canal)
    latencias = []
    for _ in range(muestras):
        inicio = time.perf_counter()
        await layer.group_send("bench_piso", {"type": "x"})
        await layer.receive(canal)
        latencias.append((time.perf_counter() - inicio) * 1000)
    await layer.group_discard("bench_piso", canal)
    return latencias


async def _conectar(puerto: int, cookies: dict) -> websockets.ClientConnection:
    cabecera = "; ".join(f"{k}={v}" for k, v in cookies.items())
    socket = await websockets.connect(
        f"ws://127.0.0.1:{puerto}/ws/notificaciones/",
        origin=f"http://127.0.0.1:{puerto}",
        additional_headers={"Cookie": cabecera},
        max_queue=None,
    )
    bienvenida = json.loads(await socket.recv())
    assert bienvenida["type"] == "connection_established", bienvenida
    return socket


async def _alerta(socket: websockets.ClientConnection, venta_id: int) -> float | None:
    """Read the seller's socket until the alert of sale ``venta_id`` arrives; return when it did.

    Earlier sales' alerts replayed on connect (the seller has not read them) are skipped. An
    alert that has not come within ``ESPERA`` seconds is counted lost (None), not waited for.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(ESPERA):
            while True:
                mensaje = json.loads(await socket.recv())
                if mensaje["type"] == "nueva_venta" and mensaje.get("venta_id") == venta_id:
                    return time.perf_counter()
    return None


async def _medir(puerto: int, vendedores: list, productos: list, comprador, ventas: int) -> tuple[list[float], int]:
    from django.db import transaction

    from pruebas.pedidos import comprar_y_pagar

    progreso(f"connecting {len(vendedores)} sellers")
    sockets = []
    for lote in range(0, len(vendedores), 100):
        sockets += await asyncio.gather(*(_conectar(puerto, v.cookies) for v in vendedores[lote : lote + 100]))
    progreso(f"{ventas} sales to {len(vendedores)} connected sellers")

    latencias, perdidas = [], 0
    calentamiento = 20
    for i in range(-calentamiento, ventas):
        indice = i % len(vendedores)
        inicio = {}

        def vender(producto_id=productos[indice].pk, inicio=inicio) -> int:
            with transaction.atomic():
                transaction.on_commit(lambda: inicio.setdefault("t", time.perf_counter()))
                # The seller hears of an order when it is paid: placed and settled in one commit.
                return comprar_y_pagar(comprador=comprador, producto_id=producto_id, cantidad=1).pk

        llegada = await _alerta(sockets[indice], await asyncio.to_thread(vender))
        if i < 0:  # the first sales warm connections and caches up: not counted
            continue
        if llegada is None:
            perdidas += 1
        else:
            latencias.append((llegada - inicio["t"]) * 1000)
    await asyncio.gather(*(s.close() for s in sockets))
    return latencias, perdidas


def _una_capa(ventas: int) -> dict:
    """Measure the layer bench/settings.py chose (BENCH_CAPA): the floor, then each seller count."""
    with Pila(f"alertas-{os.environ['BENCH_CAPA']}") as pila:
        from django.conf import settings

        from pruebas.factories import ProductoFactory, ProveedorFactory, UsuarioFactory

        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == CAPAS[os.environ["BENCH_CAPA"]]
        progreso(f"{os.environ['BENCH_CAPA']}: creating {max(VENDEDORES)} sellers")
        proveedor = ProveedorFactory()
        vendedores = [UsuarioFactory(username=f"bench_vendedor{i}", password=None) for i in range(max(VENDEDORES))]
        productos = [ProductoFactory(vendedor=v, proveedor=proveedor, stock=10**9, stock_minimo=0) for v in vendedores]
        for vendedor in vendedores:
            vendedor.cookies = sesion_para(vendedor)
        comprador = UsuarioFactory(username="bench_comprador", password=None)
        _, puerto = pila.daphne(nucleo=1)

        piso = asyncio.run(_piso(ventas))
        resultados = {"piso": {"p50_ms": percentil(piso, 50), "p99_ms": percentil(piso, 99)}}
        for cuantos in VENDEDORES:
            latencias, perdidas = asyncio.run(_medir(puerto, vendedores[:cuantos], productos, comprador, ventas))
            resultados[str(cuantos)] = {
                "p50_ms": percentil(latencias, 50),
                "p99_ms": percentil(latencias, 99),
                "mediana_ms": mediana(latencias),
                "perdidas": perdidas,
            }
    return resultados


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ventas", type=int, default=200, help="sales measured per seller count")
    parser.add_argument("--capa", choices=CAPAS, help="measure one layer only")
    parser.add_argument("--hijo", action="store_true", help=argparse.SUPPRESS)  # one layer, JSON on stdout
    args = parser.parse_args()
    if args.hijo:
        print(json.dumps(_una_capa(args.ventas)))
        return

    resultados = {}
    for capa in [args.capa] if args.capa else CAPAS:
        comando = [sys.executable, "-m", "bench.alertas", "--ventas", str(args.ventas), "--hijo"]
        entorno = {**os.environ, "BENCH_CAPA": capa}
        salida = subprocess.run(comando, check=True, capture_output=True, text=True, cwd=BASE_DIR, env=entorno)
        print(salida.stderr, end="", file=sys.stderr)
        resultados[capa] = json.loads(salida.stdout.strip().splitlines()[-1])

    referencia = resultados.get("redis", next(iter(resultados.values())))["piso"]["p50_ms"]
    filas = []
    for capa, r in resultados.items():
        piso = r["piso"]["p50_ms"]
        filas.append([capa, "floor (group_send → receive)", piso, r["piso"]["p99_ms"], 1.0, piso / referencia, ""])
        for cuantos in VENDEDORES:
            c = r[str(cuantos)]
            c["sobre_piso"], c["sobre_piso_redis"] = c["p50_ms"] / piso, c["p50_ms"] / referencia
            fila = [capa, f"{cuantos} sellers connected", c["p50_ms"], c["p99_ms"], c["sobre_piso"]]
            filas.append([*fila, c["sobre_piso_redis"], c["perdidas"]])
    imprimir_tabla(
        "Seller alert latency, commit → socket (ms)",
        ["layer", "case", "p50", "p99", "p50 / own floor", "p50 / RedisChannelLayer floor", f"lost (> {ESPERA:.0f} s)"],
        filas,
    )
    print("  targets: p99 <= 50 ms at 1000 sellers; p50 <= 2x floor")
    guardar("alertas", {"ventas": args.ventas, "capas": CAPAS, "resultados": resultados})


if __name__ == "__main__":
    main()
