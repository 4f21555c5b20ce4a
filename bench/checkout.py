"""Checkout latency: POST a purchase as a logged-in buyer, p50 and p99 at concurrency 1 and 16.

Variants, all in the same run against one Daphne process and one Redis:
  (a) piso      a view that only inserts an order and its line: the floor any checkout pays;
  (b) nuestro   the real checkout: stock reserved, order, line, movement, the charge's outbox row
                published on commit (the payment itself happens in the worker);
  (c) en_linea  the same purchase settled, with invoice PDF + email + stock alert done in the request.
Targets: b/a <= 1.5 at p50; c/b >= 10.

By default no worker runs: what the checkout publishes waits in Redis, so each variant is
its request's own cost. With ``--pagando`` a worker charges every order against a local
localstripe during the rounds, as in production, and shares the two cores and the SQLite
write lock with the requests (``bench.pipeline`` measures that work on its own).

    python -m bench.checkout [--peticiones 200] [--repeticiones 3] [--pagando]
"""

import asyncio
import functools

import httpx
from django.contrib.messages.storage.cookie import CookieStorage

from .carga import cargar
from .common import Pila, argumentos, guardar, imprimir_tabla, mediana, percentil, progreso, sesion_para

VARIANTES = {
    "piso": "/bench/piso/{id}/",
    "nuestro": "/ventas/comprar/{id}/",
    "en_linea": "/bench/en-linea/{id}/",
}
CONCURRENCIAS = (1, 16)
# What the checkout form posts: one unit, the test card's PaymentMethod id (and the address, ENVIO).
DATOS = {"cantidad": "1", "metodo_pago": "pm_card_visa"}


async def comprar(ruta: str, http: httpx.AsyncClient, cliente: dict) -> bool:
    """Post one purchase to ``ruta`` as the client's buyer; True if it was placed (302 to the sale)."""
    from pruebas.factories import ENVIO  # models: only once Pila has set Django up

    datos = {**DATOS, **ENVIO, "csrfmiddlewaretoken": cliente["cookies"]["csrftoken"]}
    respuesta = await http.post(ruta, data=datos)
    # A browser follows the redirect, and the sale page shows and clears the "thank you"
    # flash message. This client does not follow it, so it drops the message itself;
    # kept, 200 unread messages would outgrow the cookie and pile up in the session, a
    # cost no shopper pays.
    http.cookies.delete(CookieStorage.cookie_name)
    return respuesta.status_code == 302


async def _ronda(base: str, ruta: str, cookies_por_cliente: list[dict], peticiones: int, concurrencia: int):
    """Send ``peticiones`` purchases with ``concurrencia`` clients; return latencies in ms and failures."""
    clientes = [{"cookies": cookies} for cookies in cookies_por_cliente]
    ronda = await cargar(base, functools.partial(comprar, ruta), clientes, peticiones, concurrencia)
    return ronda["latencias"], ronda["errores"]


def main():
    pagando = {"--pagando": "a worker charges the orders meanwhile, against localstripe"}
    args = argumentos(__doc__, peticiones=200, repeticiones=3, banderas=pagando)

    with Pila("checkout", stripe=args.pagando) as pila:
        from pruebas.factories import ProductoFactory, UsuarioFactory

        vendedor = UsuarioFactory(username="bench_vendedor")
        producto = ProductoFactory(vendedor=vendedor, stock=10**9, stock_minimo=0)
        compradores = [UsuarioFactory(username=f"bench_comprador{i}") for i in range(max(CONCURRENCIAS))]
        cookies = [sesion_para(c) for c in compradores]
        if args.pagando:
            pila.worker()
        _, puerto = pila.daphne(nucleo=1)
        base = f"http://127.0.0.1:{puerto}"

        resultados: dict = {}
        for concurrencia in CONCURRENCIAS:
            for variante, plantilla in VARIANTES.items():
                ruta = plantilla.format(id=producto.pk)
                asyncio.run(_ronda(base, ruta, cookies, 20, concurrencia))  # warm-up
                p50s, p99s, errores = [], [], 0
                for ronda in range(args.repeticiones):
                    progreso(f"{variante} c={concurrencia} round {ronda + 1}/{args.repeticiones}")
                    latencias, fallos = asyncio.run(_ronda(base, ruta, cookies, args.peticiones, concurrencia))
                    p50s.append(percentil(latencias, 50))
                    p99s.append(percentil(latencias, 99))
                    errores += fallos
                resultados[f"{variante}@{concurrencia}"] = {
                    "p50_ms": mediana(p50s),
                    "p99_ms": mediana(p99s),
                    "errores": errores,
                    "p50_rondas": p50s,
                    "p99_rondas": p99s,
                }

    filas = []
    for concurrencia in CONCURRENCIAS:
        piso, nuestro, en_linea = (resultados[f"{v}@{concurrencia}"] for v in VARIANTES)
        for nombre, r in zip(VARIANTES, (piso, nuestro, en_linea), strict=True):
            filas.append([concurrencia, nombre, r["p50_ms"], r["p99_ms"], r["p50_ms"] / piso["p50_ms"], r["errores"]])
        resultados[f"ratios@{concurrencia}"] = {
            "b_sobre_a_p50": nuestro["p50_ms"] / piso["p50_ms"],
            "c_sobre_b_p50": en_linea["p50_ms"] / nuestro["p50_ms"],
            "objetivo": "b/a <= 1.5 at p50; c/b >= 10",
        }
    imprimir_tabla(
        "Checkout latency (ms; medians over rounds)",
        ["conc", "variant", "p50", "p99", "p50 / floor", "non-302"],
        filas,
    )
    for concurrencia in CONCURRENCIAS:
        r = resultados[f"ratios@{concurrencia}"]
        b_a, c_b = r["b_sobre_a_p50"], r["c_sobre_b_p50"]
        print(f"  c={concurrencia}: b/a = {b_a:.2f} (target <= 1.5), c/b = {c_b:.1f} (target >= 10)")
    datos = {"peticiones": args.peticiones, "repeticiones": args.repeticiones, "pagando": args.pagando}
    guardar("checkout-pagando" if args.pagando else "checkout", {**datos, "resultados": resultados})


if __name__ == "__main__":
    main()
