"""ASGI servers side by side: the same Django app's pages served by Daphne, Uvicorn and Granian.

One process of each (Granian's one worker and its supervisor), pinned to the second core;
the load generator runs pinned to the first. Each serves the catalog page ``/`` and a
product page ``/productos/<id>/`` to 16 anonymous clients with keep-alive connections;
rounds interleaved so the machine's noise hits every server. Requests/s, p50 and p99,
and the server's CPU per request; ratios to Daphne, the server the shop runs.

    python -m bench.servidores [--peticiones 400] [--repeticiones 3]
"""

import asyncio
import contextlib
import os

import httpx

from .carga import cargar, medir_cpu, resumir
from .common import CORES, Pila, argumentos, guardar, imprimir_tabla, progreso

SERVIDORES = ("daphne", "uvicorn", "granian")
CONCURRENCIA = 16


def _pagina(ruta: str):
    async def pedir(http: httpx.AsyncClient, cliente: dict) -> bool:
        return (await http.get(ruta)).status_code == 200

    return pedir


def _ronda(servidor: tuple[list, int], ruta: str, peticiones: int) -> dict:
    procesos, puerto = servidor
    with medir_cpu(procesos) as cpu:
        ronda = asyncio.run(cargar(f"http://127.0.0.1:{puerto}", _pagina(ruta), [{}], peticiones, CONCURRENCIA))
    return {**ronda, "cpu": cpu}


@contextlib.contextmanager
def _en_el_nucleo(nucleo: int):
    """Run this process (the load generator) on one core while the block runs."""
    if CORES < 2:
        yield
        return
    antes = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {nucleo})
    try:
        yield
    finally:
        os.sched_setaffinity(0, antes)


def main():
    args = argumentos(__doc__, peticiones=400, repeticiones=3)

    with Pila("servidores") as pila:
        from pruebas.factories import ProductoFactory, UsuarioFactory

        vendedor = UsuarioFactory(username="bench_vendedor")
        productos = ProductoFactory.create_batch(24, vendedor=vendedor, stock=100)
        paginas = {"catalog /": "/", "product page": productos[0].get_absolute_url()}
        servidores = {}
        for servidor in SERVIDORES:
            progreso(f"starting {servidor}")
            servidores[servidor] = pila.servidor(servidor, nucleo=1)
        rondas = {(s, p): [] for s in SERVIDORES for p in paginas}
        with _en_el_nucleo(0):
            for servidor, pagina in rondas:  # warm-up
                _ronda(servidores[servidor], paginas[pagina], 50)
            for ronda in range(args.repeticiones):
                for (servidor, pagina), lista in rondas.items():
                    progreso(f"{servidor} {pagina} round {ronda + 1}/{args.repeticiones}")
                    lista.append(_ronda(servidores[servidor], paginas[pagina], args.peticiones))

    resultados = {f"{s}@{p}": resumir(r) for (s, p), r in rondas.items()}
    filas = []
    for pagina in paginas:
        daphne = resultados[f"daphne@{pagina}"]
        for servidor in SERVIDORES:
            r = resultados[f"{servidor}@{pagina}"]
            r["sobre_daphne"] = r["por_s"] / daphne["por_s"]
            filas.append(
                [pagina, servidor, r["por_s"], r["sobre_daphne"], r["p50_ms"], r["p99_ms"], r["cpu_servidor_ms"]]
                + [r["errores"]]
            )
    imprimir_tabla(
        f"One server process, c={CONCURRENCIA} (medians over rounds)",
        ["page", "server", "req/s", "× Daphne", "p50 ms", "p99 ms", "server CPU ms/req", "non-200"],
        filas,
    )
    guardar(
        "servidores",
        {
            "concurrencia": CONCURRENCIA,
            "peticiones": args.peticiones,
            "repeticiones": args.repeticiones,
            "paginas": paginas,
            "resultados": resultados,
        },
    )


if __name__ == "__main__":
    main()
