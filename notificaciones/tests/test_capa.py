"""The channel layer as configured in settings, against the real Redis."""

import asyncio

import pytest
from channels.layers import get_channel_layer

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
