"""Faults and hostile clients at the protocol level, against a real Daphne process and the
real Redis channel layer: a client that stops reading while 500 notifications are pushed
to it; hostile sockets. What the browser client makes of faults (Redis restarting, a
stalled consumer) is in test_fallos_navegador.py. See docs/reliability.md.
"""

import asyncio
import json
import subprocess
import time

import pytest
import requests
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from notificaciones import selectors, services
from notificaciones.models import Notificacion
from notificaciones.tests.test_en_vivo import recibir, socket_de
from pruebas.procesos import detener, esperar, iniciar_daphne

pytestmark = [
    pytest.mark.faults,
    pytest.mark.stack,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("cerrar_conexiones_de_hilos"),
]

# A slow client that stops reading
# ------------------------------------------------------------------------------

INUNDACION = 500


# Daphne pings every socket after this many idle seconds and drops one that has not
# answered within PING_TIMEOUT (production runs Daphne's defaults, 20 s and 30 s).
PING_INTERVAL, PING_TIMEOUT = 1, 2


@pytest.fixture
def daphne_propio():
    """A Daphne of this test's own (short ping timeouts), so nothing done to it hurts the session's."""
    argumentos = ["--ping-interval", str(PING_INTERVAL), "--ping-timeout", str(PING_TIMEOUT)]
    proceso, puerto = iniciar_daphne("daphne_fallos_ws", argumentos=argumentos)
    yield proceso, puerto
    detener(proceso)


def _conexiones_del_servidor(puerto: int, puerto_cliente: int) -> str:
    """Return ss's line for the server's end of one client's TCP connection ('' once closed)."""
    filtro = f"( sport = :{puerto} and dport = :{puerto_cliente} )"
    return subprocess.run(["ss", "-Htn", "state", "established", filtro], capture_output=True, text=True).stdout


def _salud(puerto: int) -> tuple[int, float]:
    inicio = time.monotonic()
    respuesta = requests.get(f"http://127.0.0.1:{puerto}/health/", timeout=10)
    return respuesta.status_code, time.monotonic() - inicio


async def test_un_cliente_que_no_lee_no_afecta_a_los_demas_y_recupera_lo_perdido(daphne_propio, usuario_con_sesion):
    proceso, puerto = daphne_propio
    lento_db, cookie_lento = await usuario_con_sesion("vendedor_lento")
    otro_db, cookie_otro = await usuario_con_sesion("vendedor_atento")
    notificar = database_sync_to_async(services.notificar)
    relleno = "x" * 2000  # ~2 KB a message: 500 of them overflow the kernel's socket buffers

    # The slow page: it reads its greeting and one notification, then never reads again;
    # the client queues at most 1 frame and stops reading the TCP socket past that.
    lento = await connect(
        f"ws://127.0.0.1:{puerto}/ws/notificaciones/",
        origin=f"http://127.0.0.1:{puerto}",
        additional_headers={"Cookie": cookie_lento},
        max_queue=1,
    )
    await recibir(lento)
    primera = await notificar(usuario=lento_db, tipo="nueva_venta", titulo="antes", mensaje="m")
    assert (await recibir(lento))["id"] == primera.pk
    ultimo_visto = primera.pk
    puerto_lento = lento.local_address[1]
    assert _conexiones_del_servidor(puerto, puerto_lento), "ss sees the server's end of the slow socket"

    async with socket_de(puerto, cookie_otro) as atento:
        await recibir(atento)
        inicio_inundacion = inicio = time.monotonic()
        for i in range(INUNDACION):
            await notificar(usuario=lento_db, tipo="nueva_venta", titulo=f"venta {i}", mensaje=relleno)
        duracion = time.monotonic() - inicio

        # The server is healthy: another user's page gets its notification at once...
        aviso = await notificar(usuario=otro_db, tipo="nueva_venta", titulo="para el atento", mensaje="m")
        inicio = time.monotonic()
        assert (await recibir(atento, timeout=5))["id"] == aviso.pk
        latencia = time.monotonic() - inicio
        assert latencia < 2, latencia
        # ...and HTTP answers (503 only says no Celery worker runs in this test).
        codigo, segundos = await asyncio.to_thread(_salud, puerto)
        assert codigo in (200, 503) and segundos < 3, (codigo, segundos)
        assert proceso.poll() is None

        # Daphne holds what the slow socket does not read (kernel buffers, then its own
        # memory) only until its ping goes unanswered: then it drops the socket.
        await asyncio.to_thread(
            esperar, lambda: not _conexiones_del_servidor(puerto, puerto_lento), timeout=20, mensaje="the drop"
        )
        caida = time.monotonic() - inicio_inundacion
        # The page that reads answered every ping and is still connected.
        await atento.send(json.dumps({"action": "ping"}))
        assert await recibir(atento, timeout=5) == {"type": "pong"}

    # The slow page gives up its socket and reconnects from the last id it saw: the
    # database replays the newest MAX_REPLAY rows; the rest are counted in no_leidas.
    lento.transport.abort()
    async with socket_de(puerto, cookie_lento, query=f"?despues_de={ultimo_visto}") as de_nuevo:
        saludo = await recibir(de_nuevo)
        assert saludo["no_leidas"] == INUNDACION + 1
        repetidas = [await recibir(de_nuevo) for _ in range(selectors.MAX_REPLAY)]
    ids = await database_sync_to_async(
        lambda: list(Notificacion.objects.filter(usuario=lento_db).order_by("pk").values_list("pk", flat=True))
    )()
    assert [m["id"] for m in repetidas] == ids[-selectors.MAX_REPLAY :]
    assert all(m["replay"] for m in repetidas)
    print(f"flood {duracion:.1f}s, other's latency {latencia * 1000:.0f} ms, /health/ {codigo} in {segundos:.2f}s")
    print(f"the slow socket was dropped {caida:.1f}s after the flood began")


# One socket's slow database call
# ------------------------------------------------------------------------------

REENVIO_LENTO = 6


async def test_la_llamada_lenta_de_un_socket_no_detiene_a_los_demas(daphne_lento, usuario_con_sesion):
    """A replay whose database call takes REENVIO_LENTO seconds holds one of the sockets'
    database threads, not the process: meanwhile another user connects (the session's
    user is read), gets their unread notification replayed, and marks it read.

    Channels' default, one thread-sensitive thread per process, would queue the second
    user's connect behind the slow replay.
    """
    puerto = await asyncio.to_thread(daphne_lento, "daphne_reenvio_lento", REENVIO_SEGUNDOS=str(REENVIO_LENTO))
    _, cookie_lento = await usuario_con_sesion("vendedor_reenvio_lento")
    otro_db, cookie_otro = await usuario_con_sesion("vendedor_a_tiempo")
    notificar = database_sync_to_async(services.notificar)
    aviso = await notificar(usuario=otro_db, tipo="nueva_venta", titulo="t", mensaje="m")

    async with socket_de(puerto, cookie_lento) as lento:
        await recibir(lento)
        await lento.send(json.dumps({"action": "reenviar", "despues_de": 0}))
        inicio = time.monotonic()
        await asyncio.sleep(0.5)  # the replay's call is on its thread by now (it sleeps there for 6 s)

        async with socket_de(puerto, cookie_otro) as otro:
            saludo = await recibir(otro, timeout=REENVIO_LENTO - 2)
            assert (saludo["type"], saludo["no_leidas"]) == ("connection_established", 1)
            assert (await recibir(otro, timeout=2))["id"] == aviso.pk
            await otro.send(json.dumps({"action": "marcar_leida", "notificacion_id": aviso.pk}))
            assert (await recibir(otro, timeout=2))["type"] == "notificacion_leida"
        assert time.monotonic() - inicio < REENVIO_LENTO, "the other user waited for the slow replay"

        # The slow replay itself still ends, complete.
        assert (await recibir(lento, timeout=REENVIO_LENTO + 5))["type"] == "reenvio_completo"
    assert await database_sync_to_async(lambda: Notificacion.objects.get(pk=aviso.pk).leida)()


# Hostile sockets
# ------------------------------------------------------------------------------


async def _rechazado(puerto: int, **kwargs) -> int:
    """Open a socket that must be refused; return the HTTP status of the refusal."""
    with pytest.raises(InvalidStatus) as error:
        async with connect(f"ws://127.0.0.1:{puerto}/ws/notificaciones/", open_timeout=10, **kwargs):
            pass
    return error.value.response.status_code


async def test_sockets_hostiles_no_cambian_nada_y_el_servidor_sigue(daphne_propio, usuario_con_sesion):
    proceso, puerto = daphne_propio
    _, cookie = await usuario_con_sesion("atacante_ws")
    victima, cookie_victima = await usuario_con_sesion("victima_ws")
    notificar = database_sync_to_async(services.notificar)
    ajenas = [await notificar(usuario=victima, tipo="nueva_venta", titulo=f"ajena {i}") for i in range(5)]

    @database_sync_to_async
    def foto():
        return list(Notificacion.objects.order_by("pk").values_list("pk", "usuario_id", "leida", "titulo"))

    antes = await foto()

    # A logged-in user's cookie without an Origin header (not a browser), or from a
    # page on another site (cross-site WebSocket hijacking): refused at the handshake.
    con_cookie = {"additional_headers": {"Cookie": cookie}}
    assert await _rechazado(puerto, **con_cookie) == 403
    assert await _rechazado(puerto, origin="null", **con_cookie) == 403
    assert await _rechazado(puerto, origin="http://127.0.0.1.evil.example", **con_cookie) == 403
    # A forged or expired session is anonymous.
    falsa = {"additional_headers": {"Cookie": "sessionid=x"}}
    assert await _rechazado(puerto, origin=f"http://127.0.0.1:{puerto}", **falsa) == 403

    async with socket_de(puerto, cookie) as ws:
        assert (await recibir(ws))["type"] == "connection_established"
        for basura in ["", "{", "null", "[]", '"marcar_leida"', "\x00" * 50, "\ufffe", "ñ" * 3000,
                       '{"action": "marcar_leida", "notificacion_id": "1 OR 1=1"}',
                       '{"action": "marcar_leida", "notificacion_id": 1e309}',
                       '{"action": "marcar_leida", "notificacion_id": true}',
                       '{"action": "reenviar", "despues_de": "1 OR 1=1"}', '{"action": "reenviar"}',
                       '{"action": "borrar_todo"}', "x" * 5000]:  # fmt: skip
            await ws.send(basura)
            assert (await recibir(ws))["type"] == "error", basura
        await ws.send(b"\x00\xff binario")
        assert (await recibir(ws))["type"] == "error"
        await ws.send("x" * 1_000_000)  # 1 MB: under Daphne's 1 MiB cap, refused by the consumer unparsed
        assert (await recibir(ws))["type"] == "error"

        # 1,000 attempts to mark someone else's notifications read: silently nothing.
        for i in range(1000):
            objetivo = ajenas[i % len(ajenas)].pk if i % 2 else i
            await ws.send(json.dumps({"action": "marcar_leida", "notificacion_id": objetivo}))
        await ws.send(json.dumps({"action": "ping"}))
        assert await recibir(ws) == {"type": "pong"}  # all 1,000 handled, none answered
        # A replay request reads the asker's own rows only: none of the victim's.
        await ws.send(json.dumps({"action": "reenviar", "despues_de": 0}))
        assert await recibir(ws) == {"type": "reenvio_completo", "hasta": 0}

    # A frame over Daphne's 1 MiB message cap, or a text frame that is not UTF-8:
    # Daphne (autobahn) drops that connection before the application sees it.
    for malo in [("x" * (2 * 1024 * 1024)).encode(), b'{"action": "\xff\xfe"}']:
        async with socket_de(puerto, cookie) as ws:
            await recibir(ws)
            await ws.send(malo, text=True)
            with pytest.raises(ConnectionClosed):
                await recibir(ws)

    assert await foto() == antes
    assert proceso.poll() is None

    # The server keeps serving: the victim connects and gets a new notification live.
    async with socket_de(puerto, cookie_victima) as ws:
        saludo = await recibir(ws)
        assert saludo["no_leidas"] == len(ajenas)
        replay = [await recibir(ws) for _ in ajenas]
        assert [m["id"] for m in replay] == [n.pk for n in ajenas]
        nueva = await notificar(usuario=victima, tipo="nueva_venta", titulo="después del ataque")
        assert (await recibir(ws, timeout=5))["id"] == nueva.pk
