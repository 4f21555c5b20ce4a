"""The channel layer as configured in settings, and notificaciones/capa.py, against the real Redis."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer

from notificaciones import capa

pytestmark = pytest.mark.faults


async def test_un_consumidor_inactivo_sigue_recibiendo():
    """An idle receive outlives channels_redis' 5 s blocking pop without a read timeout.

    With redis-py 8's default 5 s socket timeout the read raced the pop and raised,
    which killed every idle consumer (and closed its WebSocket) after ~5 s.
    """
    layer = get_channel_layer()
    canal = await layer.new_channel()
    espera = asyncio.create_task(layer.receive(canal))
    await asyncio.sleep(12)  # two full blocking pops with nothing to receive
    assert not espera.done(), espera.exception() if espera.done() else None
    await layer.send(canal, {"type": "prueba"})
    assert (await asyncio.wait_for(espera, 5))["type"] == "prueba"


async def test_los_envios_desde_hilos_sincronos_comparten_un_bucle():
    """Sync code in any thread hands its group_send to the one sender loop of the process."""
    layer = get_channel_layer()
    canal = await layer.new_channel()
    await layer.group_add(capa.grupo_usuario(987654321), canal)
    for n in range(3):
        await asyncio.to_thread(capa.enviar_al_grupo, 987654321, {"type": "prueba", "n": n})
    recibidos = [(await asyncio.wait_for(layer.receive(canal), 5))["n"] for _ in range(3)]
    assert recibidos == [0, 1, 2]
    assert [hilo.name for hilo in threading.enumerate()].count("notificaciones") == 1
