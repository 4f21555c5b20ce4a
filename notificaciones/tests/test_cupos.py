"""At most WS_MAX_CONEXIONES_POR_USUARIO notification sockets per user, across Daphne
processes: one more is accepted and closed at once with code 4429; a closed socket gives
its slot back, and the slots of a Daphne that died free themselves after WS_CUPO_SEGUNDOS."""

import asyncio
import os
import signal

import pytest
import redis
from channels.db import database_sync_to_async
from django.conf import settings as ajustes
from websockets.exceptions import ConnectionClosed

from notificaciones.consumers import DEMASIADAS_CONEXIONES
from pruebas.procesos import cookie_de_sesion, detener, iniciar_daphne

from .test_consumers import conectar, conectar_y_saludo
from .test_en_vivo import recibir, socket_de

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cerrar_conexiones_de_hilos")]

MAXIMO = 3


def _ocupados(usuario) -> int:
    cliente = redis.Redis.from_url(ajustes.REDIS_URL)
    try:
        return cliente.zcard(f"notificaciones:cupos:{usuario.pk}")
    finally:
        cliente.close()


async def test_el_socket_de_mas_se_cierra_con_4429_y_uno_cerrado_deja_su_lugar(settings, vendedor, otro):
    settings.WS_MAX_CONEXIONES_POR_USUARIO = MAXIMO
    abiertos = [(await conectar_y_saludo(vendedor))[0] for _ in range(MAXIMO)]

    demas, conectado, _ = await conectar(vendedor)
    assert conectado  # accepted, so the client sees the code, then closed at once
    assert await demas.receive_output(timeout=5) == {"type": "websocket.close", "code": DEMASIADAS_CONEXIONES}
    await demas.wait(timeout=5)
    # The cap is per user: someone else still connects.
    ajeno, _ = await conectar_y_saludo(otro)
    assert await database_sync_to_async(_ocupados)(vendedor) == MAXIMO

    await abiertos.pop().disconnect()
    otra_vez, _ = await conectar_y_saludo(vendedor)
    for comunicador in [*abiertos, otra_vez, ajeno]:
        await comunicador.disconnect()
    assert await database_sync_to_async(_ocupados)(vendedor) == 0


@pytest.fixture
def dos_daphne(django_db_setup):
    """Two Daphne processes with a cap of 3 sockets and 3-second slots."""
    entorno = {"WS_MAX_CONEXIONES_POR_USUARIO": str(MAXIMO), "WS_CUPO_SEGUNDOS": "3"}
    procesos = [iniciar_daphne(f"daphne_cupos_{n}", **entorno) for n in ("a", "b")]
    yield procesos
    for proceso, _ in procesos:
        detener(proceso)


async def _cerrado_con(puerto: int, cookie: str) -> int | None:
    """Open a socket and return the code it is closed with (None if it stays open 1 s)."""
    async with socket_de(puerto, cookie) as ws:
        try:
            await recibir(ws, timeout=1)
            await asyncio.wait_for(ws.recv(), 1)
        except ConnectionClosed as cerrado:
            return cerrado.rcvd.code if cerrado.rcvd else None
        except TimeoutError:
            return None
    return None


@pytest.mark.stack
async def test_el_limite_vale_entre_procesos_y_un_daphne_muerto_no_retiene_lugares(vendedor, dos_daphne):
    (proceso_a, puerto_a), (proceso_b, puerto_b) = dos_daphne
    cookie = await database_sync_to_async(cookie_de_sesion)(vendedor)

    # Two sockets on A, one on B: the user's three.
    en_a = [await socket_de(puerto_a, cookie) for _ in range(2)]
    en_b = await socket_de(puerto_b, cookie)
    for ws in [*en_a, en_b]:
        assert (await recibir(ws))["type"] == "connection_established"
    for puerto in (puerto_a, puerto_b):
        assert await _cerrado_con(puerto, cookie) == DEMASIADAS_CONEXIONES

    # B dies without closing its socket; its slot lapses (3 s), renewed ones on A do not.
    os.kill(proceso_b.pid, signal.SIGKILL)
    proceso_b.wait()
    await asyncio.sleep(5)
    assert await database_sync_to_async(_ocupados)(vendedor) == 2
    nuevo = await socket_de(puerto_a, cookie)
    assert (await recibir(nuevo))["type"] == "connection_established"
    assert await _cerrado_con(puerto_a, cookie) == DEMASIADAS_CONEXIONES

    for ws in [*en_a, nuevo]:
        await ws.close()
    await asyncio.sleep(0.5)
    assert await database_sync_to_async(_ocupados)(vendedor) == 0
