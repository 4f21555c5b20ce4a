"""The load side of a benchmark: clients that keep their connections, their latencies and
throughput, and where the CPU went meanwhile (server processes, load generator, machine)."""

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Awaitable, Callable

import httpx
import psutil

from pruebas.procesos import esperar

from .common import mediana, percentil


async def cargar(
    base: str,
    pedir: Callable[[httpx.AsyncClient, dict], Awaitable[bool]],
    clientes: list[dict],
    peticiones: int,
    concurrencia: int,
) -> dict:
    """Send ``peticiones`` requests from ``concurrencia`` clients, each keeping its connection.

    Client ``i`` is ``clientes[i]``: its ``cookies`` (a logged-in session, say) and whatever
    else ``pedir`` needs. ``pedir(http, cliente)`` sends one request and says whether its
    answer was the expected one. Return the latencies in ms, the unexpected answers and the
    requests per second over the whole round.
    """
    latencias: list[float] = []
    errores = 0
    pendientes = iter(range(peticiones))

    async def uno(cliente: dict):
        nonlocal errores
        async with httpx.AsyncClient(base_url=base, cookies=cliente.get("cookies"), timeout=60) as http:
            for _ in pendientes:
                inicio = time.perf_counter()
                ok = await pedir(http, cliente)
                latencias.append((time.perf_counter() - inicio) * 1000)
                errores += not ok

    inicio = time.perf_counter()
    await asyncio.gather(*(uno(clientes[i % len(clientes)]) for i in range(concurrencia)))
    return {"latencias": latencias, "errores": errores, "por_s": peticiones / (time.perf_counter() - inicio)}


def resumir(rondas: list[dict]) -> dict:
    """Return the medians over rounds of :func:`cargar`'s requests/s, p50 and p99, and the rounds;
    with a ``cpu`` (:func:`medir_cpu`) in each round, also the CPU ms per request of the server
    and of the load generator, and the cores the machine had busy."""
    p50s = [percentil(r["latencias"], 50) for r in rondas]
    p99s = [percentil(r["latencias"], 99) for r in rondas]
    por_s = [r["por_s"] for r in rondas]
    resumen = {
        "por_s": mediana(por_s),
        "p50_ms": mediana(p50s),
        "p99_ms": mediana(p99s),
        "errores": sum(r["errores"] for r in rondas),
        "por_s_rondas": por_s,
        "p50_rondas": p50s,
        "p99_rondas": p99s,
    }
    if all("cpu" in r for r in rondas):  # measured with medir_cpu: per request, and the machine's load
        resumen["cpu_servidor_ms"] = mediana([r["cpu"]["servidor_s"] * 1000 / len(r["latencias"]) for r in rondas])
        resumen["cpu_generador_ms"] = mediana([r["cpu"]["generador_s"] * 1000 / len(r["latencias"]) for r in rondas])
        resumen["nucleos_ocupados"] = mediana([r["cpu"]["nucleos_ocupados"] for r in rondas])
    return resumen


def cpu_segundos(procesos: list[subprocess.Popen]) -> float:
    """Return the CPU seconds ``procesos`` and their children have used so far."""
    total = 0.0
    for raiz in procesos:
        with contextlib.suppress(psutil.NoSuchProcess):
            arbol = psutil.Process(raiz.pid)
            for proceso in [arbol, *arbol.children(recursive=True)]:
                tiempos = proceso.cpu_times()
                total += tiempos.user + tiempos.system
    return total


@contextlib.contextmanager
def medir_cpu(servidor: list[subprocess.Popen]):
    """Measure where the CPU went while the block ran: the server's processes, this process
    (the load generator) and the whole machine (cores busy on average, other users included).
    Yield a dict filled in when the block ends."""
    medida: dict[str, float] = {}
    yo = psutil.Process()

    def ocupado() -> float:
        tiempos = psutil.cpu_times()
        return sum(tiempos) - tiempos.idle - getattr(tiempos, "iowait", 0.0)

    antes = (cpu_segundos(servidor), sum(yo.cpu_times()[:2]), ocupado(), time.perf_counter())
    yield medida
    despues = (cpu_segundos(servidor), sum(yo.cpu_times()[:2]), ocupado(), time.perf_counter())
    segundos = despues[3] - antes[3]
    medida.update(
        servidor_s=despues[0] - antes[0],
        generador_s=despues[1] - antes[1],
        nucleos_ocupados=(despues[2] - antes[2]) / segundos,
        segundos=segundos,
    )


def esperar_quietos(procesos: list[subprocess.Popen], timeout: float = 90) -> None:
    """Wait until ``procesos`` and their children have stopped using CPU (done importing, listening).

    A server that answered once may have only one of its processes ready: the others
    still load Django, and the first requests would wait for them.
    """
    previo = [cpu_segundos(procesos)]

    def quietos() -> bool:
        time.sleep(0.5)
        ahora = cpu_segundos(procesos)
        quieto, previo[0] = ahora - previo[0] < 0.02, ahora
        return quieto

    esperar(quietos, timeout=timeout, mensaje="the server processes to finish starting")
