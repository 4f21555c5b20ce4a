"""Seller alert latency: a sale commits → its "nueva_venta" arrives in the seller's socket.

One Daphne process; 1, 100 and 1,000 sellers connected with real WebSocket clients
(the `websockets` package, logged-in session cookies). Sales are committed in this
process; the clock starts in the sale's first on-commit hook, right before the
notification's group_send, and stops when the seller's socket receives the message.
Floor: a bare channels_redis group_send → receive, in one process, on the same Redis.
Targets: p99 <= 50 ms at 1,000 sellers; p50 <= 2× the floor.

    python -m bench.alertas [--ventas 200]
"""

import argparse
import asyncio
import json
import time

import websockets

from .common import Pila, guardar, imprimir_tabla, mediana, percentil, progreso, sesion_para

VENDEDORES = (1, 100, 1000)


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


async def _medir(puerto: int, vendedores: list, productos: list, comprador, ventas: int) -> list[float]:
    from django.db import transaction

    from pruebas.pedidos import comprar_y_pagar

    progreso(f"connecting {len(vendedores)} sellers")
    sockets = []
    for lote in range(0, len(vendedores), 100):
        sockets += await asyncio.gather(*(_conectar(puerto, v.cookies) for v in vendedores[lote : lote + 100]))
    progreso(f"{ventas} sales to {len(vendedores)} connected sellers")

    latencias = []
    calentamiento = 20
    for i in range(-calentamiento, ventas):
        indice = i % len(vendedores)
        inicio = {}

        def vender(producto_id=productos[indice].pk, inicio=inicio):
            with transaction.atomic():
                transaction.on_commit(lambda: inicio.setdefault("t", time.perf_counter()))
                # The seller hears of an order when it is paid: placed and settled in one commit.
                comprar_y_pagar(comprador=comprador, producto_id=producto_id, cantidad=1)

        await asyncio.to_thread(vender)
        mensaje = json.loads(await sockets[indice].recv())
        if i >= 0:  # the first sales warm connections and caches up: not counted
            latencias.append((time.perf_counter() - inicio["t"]) * 1000)
        assert mensaje["type"] == "nueva_venta", mensaje
    await asyncio.gather(*(s.close() for s in sockets))
    return latencias


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ventas", type=int, default=200, help="sales measured per seller count")
    args = parser.parse_args()

    with Pila("alertas") as pila:
        from pruebas.factories import ProductoFactory, ProveedorFactory, UsuarioFactory

        progreso(f"creating {max(VENDEDORES)} sellers")
        proveedor = ProveedorFactory()
        vendedores = [UsuarioFactory(username=f"bench_vendedor{i}", password=None) for i in range(max(VENDEDORES))]
        productos = [ProductoFactory(vendedor=v, proveedor=proveedor, stock=10**9, stock_minimo=0) for v in vendedores]
        for vendedor in vendedores:
            vendedor.cookies = sesion_para(vendedor)
        comprador = UsuarioFactory(username="bench_comprador", password=None)
        _, puerto = pila.daphne(nucleo=1)

        piso = asyncio.run(_piso(args.ventas))
        resultados = {"piso": {"p50_ms": percentil(piso, 50), "p99_ms": percentil(piso, 99)}}
        for cuantos in VENDEDORES:
            latencias = asyncio.run(_medir(puerto, vendedores[:cuantos], productos, comprador, args.ventas))
            resultados[str(cuantos)] = {
                "p50_ms": percentil(latencias, 50),
                "p99_ms": percentil(latencias, 99),
                "mediana_ms": mediana(latencias),
            }

    filas = [["floor (group_send → receive)", resultados["piso"]["p50_ms"], resultados["piso"]["p99_ms"], 1.0]]
    for cuantos in VENDEDORES:
        r = resultados[str(cuantos)]
        filas.append(
            [f"{cuantos} sellers connected", r["p50_ms"], r["p99_ms"], r["p50_ms"] / resultados["piso"]["p50_ms"]]
        )
    imprimir_tabla("Seller alert latency (ms)", ["case", "p50", "p99", "p50 / floor"], filas)
    print("  targets: p99 <= 50 ms at 1000 sellers; p50 <= 2x floor")
    guardar("alertas", {"ventas": args.ventas, "resultados": resultados})


if __name__ == "__main__":
    main()
