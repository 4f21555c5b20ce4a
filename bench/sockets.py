"""WebSocket capacity: idle authenticated sockets held by one server process, and RSS per socket.

Daphne (ours) and Uvicorn (a peer) serve the same ASGI app, one after the other, on
the same Redis and database. The client opens N sockets (default 10,000) logged in as
500 users, waits for each ``connection_established``, then reads the server's RSS.

    python -m bench.sockets [--sockets 10000]
"""

import argparse
import asyncio
import resource
from pathlib import Path

import websockets

from pruebas.procesos import detener

from .common import Pila, guardar, imprimir_tabla, progreso, sesion_para

USUARIOS = 500


def rss_mb(pid: int) -> float:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith("VmRSS:"):
            return int(linea.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def _abrir(puerto: int, cookies: list[dict], n: int) -> tuple[list, int]:
    sockets, fallos = [], 0
    semaforo = asyncio.Semaphore(64)

    async def uno(i: int):
        nonlocal fallos
        cabecera = "; ".join(f"{k}={v}" for k, v in cookies[i % len(cookies)].items())
        async with semaforo:
            try:
                socket = await websockets.connect(
                    f"ws://127.0.0.1:{puerto}/ws/notificaciones/",
                    origin=f"http://127.0.0.1:{puerto}",
                    additional_headers={"Cookie": cabecera},
                    open_timeout=60,
                    ping_interval=None,
                )
                await asyncio.wait_for(socket.recv(), 60)
                sockets.append(socket)
            except (OSError, TimeoutError, websockets.WebSocketException):
                fallos += 1
        if (i + 1) % 1000 == 0:
            progreso(f"{i + 1} sockets")

    await asyncio.gather(*(uno(i) for i in range(n)))
    return sockets, fallos


async def _medir(pid: int, puerto: int, cookies: list[dict], n: int) -> dict:
    await _abrir(puerto, cookies, 50)  # warm-up: imports, DB connections, pools
    antes = rss_mb(pid)
    sockets, fallos = await _abrir(puerto, cookies, n)
    await asyncio.sleep(2)
    vivos = sum(1 for s in sockets if s.state is websockets.protocol.State.OPEN)
    despues = rss_mb(pid)
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return {
        "abiertos": vivos,
        "fallos": fallos,
        "rss_antes_mb": antes,
        "rss_despues_mb": despues,
        "kb_por_socket": (despues - antes) * 1024 / max(vivos, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=10_000)
    args = parser.parse_args()
    blando, duro = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(duro, max(blando, args.sockets * 2 + 1000)), duro))

    resultados = {}
    with Pila("sockets") as pila:
        from pruebas.factories import UsuarioFactory

        progreso(f"creating {USUARIOS} users")
        cookies = [sesion_para(UsuarioFactory(username=f"bench_socket{i}", password=None)) for i in range(USUARIOS)]
        for servidor in ("daphne", "uvicorn"):
            proceso, puerto = pila.daphne(nucleo=1, servidor=servidor)
            progreso(f"{servidor}: opening {args.sockets} sockets")
            resultados[servidor] = asyncio.run(_medir(proceso.pid, puerto, cookies, args.sockets))
            # Measured: Uvicorn's graceful shutdown may wait on its sockets, so kill it after 10 s.
            detener(proceso)

    imprimir_tabla(
        f"WebSocket capacity ({args.sockets} idle authenticated sockets, one process)",
        ["server", "held", "failed", "RSS before MB", "RSS after MB", "KB per socket"],
        [
            [s, r["abiertos"], r["fallos"], r["rss_antes_mb"], r["rss_despues_mb"], r["kb_por_socket"]]
            for s, r in resultados.items()
        ],
    )
    print(f"  target: {args.sockets} sockets held")
    guardar("sockets", {"sockets": args.sockets, "resultados": resultados})


if __name__ == "__main__":
    main()
