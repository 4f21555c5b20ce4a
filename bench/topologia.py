"""Checkout throughput by server topology: orders per second at 16 concurrent buyers, p50/p99.

Under ASGI, Django runs every sync view of a process on one shared thread, so one Daphne
process serves one checkout at a time. The shop's answer (``make run``) is several Daphne
processes on one listening socket that circus opens and hands over with ``daphne --fd``.
Measured side by side, same load generator, same database and Redis, rounds interleaved:
  (a) one Daphne process (the baseline);
  (b) N = 2 and N = 4 Daphne processes on one socket opened here and passed with ``--fd``,
      exactly as circus does;
  (c) Uvicorn ``--workers 2`` (HTTP only: Daphne would keep the WebSockets);
  (d) one Daphne, the same checkout view run on asgiref's thread pool
      (``sync_to_async(thread_sensitive=False)``, bench/views.py), not on the one thread.
Each also serves GET ``/`` (the catalog, anonymous) at c=16, a second column.

The request path is measured: the checkout reserves stock, writes the sale and its
payment's outbox row, and publishes it after commit; the payment itself is the worker's.
No worker and no localstripe run here (bench.pipeline measures the worker, ~10 orders/s):
a worker working through the backlog would take a core from the servers, the more so the
more processes they have. Each buyer buys its own product, as a shop's orders spread over
its catalog. Nothing is pinned: the servers, the load generator and Redis share the cores.
Target: (b) ≥ 3× (a) in orders/s at c=16, p99 ≤ 1 s.

    python -m bench.topologia [--peticiones 300] [--repeticiones 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python -m bench.topologia   # → topologia-postgres.json
"""

import asyncio
import functools
import os

import httpx

from .carga import cargar, medir_cpu, resumir
from .checkout import comprar
from .common import CORES, Pila, argumentos, guardar, imprimir_tabla, progreso, sesion_para

CONCURRENCIA = 16
CHECKOUT = "/ventas/comprar/{id}/"
# name → (server, processes, checkout route, description)
VARIANTES = {
    "a": ("daphne", 1, CHECKOUT, "1 Daphne (baseline)"),
    "b2": ("daphne", 2, CHECKOUT, "2 Daphne, one socket (--fd)"),
    "b4": ("daphne", 4, CHECKOUT, "4 Daphne, one socket (--fd)"),
    "c": ("uvicorn", 2, CHECKOUT, "Uvicorn --workers 2"),
    "d": ("daphne", 1, "/bench/comprar-en-el-pool/{id}/", "1 Daphne, view on thread pool"),
}
PRODUCTOS_EN_CATALOGO = 24


async def _comprar(plantilla: str, http: httpx.AsyncClient, cliente: dict) -> bool:
    return await comprar(plantilla.format(id=cliente["producto_id"]), http, cliente)


async def _catalogo(http: httpx.AsyncClient, cliente: dict) -> bool:
    return (await http.get("/")).status_code == 200


def _ronda(servidor: tuple[list, int], pedir, clientes: list[dict], peticiones: int) -> dict:
    procesos, puerto = servidor
    with medir_cpu(procesos) as cpu:
        ronda = asyncio.run(cargar(f"http://127.0.0.1:{puerto}", pedir, clientes, peticiones, CONCURRENCIA))
    return {**ronda, "cpu": cpu}


def main():
    args = argumentos(__doc__, peticiones=300, repeticiones=3)

    with Pila("topologia") as pila:
        from pruebas.factories import ProductoFactory, UsuarioFactory

        vendedor = UsuarioFactory(username="bench_vendedor")
        ProductoFactory.create_batch(PRODUCTOS_EN_CATALOGO, vendedor=vendedor, stock=100)
        compradores = []
        for i in range(CONCURRENCIA):
            producto = ProductoFactory(vendedor=vendedor, stock=10**9, stock_minimo=0)
            usuario = UsuarioFactory(username=f"bench_comprador{i}")
            compradores.append({"cookies": sesion_para(usuario), "producto_id": producto.pk})
        anonimos = [{}]

        servidores = {}
        for servidor, procesos, _, _ in VARIANTES.values():
            if (servidor, procesos) not in servidores:
                progreso(f"starting {servidor} ×{procesos}")
                servidores[servidor, procesos] = pila.servidor(servidor, procesos)

        rondas = {nombre: {"checkout": [], "catalogo": []} for nombre in VARIANTES}
        for servidor, procesos, plantilla, _ in VARIANTES.values():
            en_marcha = servidores[servidor, procesos]  # warm-up: every process, its connections and caches
            _ronda(en_marcha, functools.partial(_comprar, plantilla), compradores, 20 * procesos)
            _ronda(en_marcha, _catalogo, anonimos, 20 * procesos)
        # Rounds interleaved, so a noisy minute on this shared machine hits every variant.
        for ronda in range(args.repeticiones):
            for nombre, (servidor, procesos, plantilla, _) in VARIANTES.items():
                progreso(f"{nombre} round {ronda + 1}/{args.repeticiones}")
                en_marcha = servidores[servidor, procesos]
                pedir = functools.partial(_comprar, plantilla)
                rondas[nombre]["checkout"].append(_ronda(en_marcha, pedir, compradores, args.peticiones))
                rondas[nombre]["catalogo"].append(_ronda(en_marcha, _catalogo, anonimos, args.peticiones))

    resultados = {n: {clase: resumir(r) for clase, r in rs.items()} for n, rs in rondas.items()}
    base = resultados["a"]
    filas = []
    for nombre, (servidor, procesos, _, descripcion) in VARIANTES.items():
        compra, catalogo = resultados[nombre]["checkout"], resultados[nombre]["catalogo"]
        compra["sobre_a"] = compra["por_s"] / base["checkout"]["por_s"]
        catalogo["sobre_a"] = catalogo["por_s"] / base["catalogo"]["por_s"]
        resultados[nombre].update(servidor=servidor, procesos=procesos, descripcion=descripcion)
        filas.append(
            [
                f"({nombre}) {descripcion}",
                compra["por_s"],
                compra["sobre_a"],
                compra["p50_ms"],
                compra["p99_ms"],
                compra["errores"],
                catalogo["por_s"],
                catalogo["sobre_a"],
                catalogo["p99_ms"],
            ]
        )
    imprimir_tabla(
        f"Checkout and catalog at c={CONCURRENCIA} by topology ({CORES} cores; medians over rounds)",
        ["variant", "orders/s", "× (a)", "p50 ms", "p99 ms", "failed", "GET / req/s", "× (a)", "GET p99 ms"],
        filas,
    )
    imprimir_tabla(
        "Where the CPU went (ms of CPU per request; cores busy on the whole machine, others' work included)",
        ["variant", "checkout: server", "generator", "cores busy", "CPU ceiling orders/s", "GET: server", "cores busy"],
        [
            [
                f"({nombre})",
                r["checkout"]["cpu_servidor_ms"],
                r["checkout"]["cpu_generador_ms"],
                r["checkout"]["nucleos_ocupados"],
                # What these cores could give if the server and the generator had them all.
                CORES * 1000 / (r["checkout"]["cpu_servidor_ms"] + r["checkout"]["cpu_generador_ms"]),
                r["catalogo"]["cpu_servidor_ms"],
                r["catalogo"]["nucleos_ocupados"],
            ]
            for nombre, r in resultados.items()
        ],
    )
    for nombre in ("b2", "b4"):
        r = resultados[nombre]["checkout"]
        cumple = "met" if r["sobre_a"] >= 3 and r["p99_ms"] <= 1000 else "not met"
        print(f"  ({nombre}): {r['sobre_a']:.2f}× (a), p99 {r['p99_ms']:.0f} ms; target ≥ 3× and p99 ≤ 1 s: {cumple}")
    # On PostgreSQL (DATABASE_URL) the results sit next to SQLite's, not over them.
    motor = os.environ["DATABASE_URL"].split(":", 1)[0]
    guardar(
        "topologia" if motor == "sqlite" else f"topologia-{motor}",
        {
            "concurrencia": CONCURRENCIA,
            "peticiones": args.peticiones,
            "repeticiones": args.repeticiones,
            "objetivo": "checkout at c=16: (b) >= 3x (a) orders/s, p99 <= 1 s",
            "resultados": resultados,
        },
    )


if __name__ == "__main__":
    main()
