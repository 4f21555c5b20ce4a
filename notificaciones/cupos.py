"""How many notification sockets a user has open, across every Daphne process.

One Redis sorted set per user: each open socket is its channel name, scored with the
time its slot expires. A socket renews its slot every third of ``WS_CUPO_SEGUNDOS`` and
gives it back when it closes; the slots of a Daphne that died without closing its
sockets simply expire, so a crash never locks a user out for longer than that.
"""

import asyncio
import logging

import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)

# Drop the expired slots, then take one if fewer than the cap are held. One script, so
# two sockets of the same user connecting at once on two processes cannot both take the
# last slot. Redis' own clock, so the processes' clocks need not agree.
_RESERVAR = """
local ahora = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ahora)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ahora + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]) + 1)
return 1
"""

_cliente: dict = {"loop": None, "redis": None, "reservar": None}


def _redis():
    """Return this event loop's client (Daphne runs one loop; each test runs its own)."""
    loop = asyncio.get_running_loop()
    if _cliente["loop"] is not loop:
        cliente = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
        _cliente.update(loop=loop, redis=cliente, reservar=cliente.register_script(_RESERVAR))
    return _cliente["redis"], _cliente["reservar"]


def _clave(usuario_id: int) -> str:
    return f"notificaciones:cupos:{usuario_id}"


async def reservar(*, usuario_id: int, canal: str) -> bool:
    """Take (or renew) ``canal``'s slot; return False if the user already holds the maximum."""
    _, script = _redis()
    argumentos = [canal, settings.WS_MAX_CONEXIONES_POR_USUARIO, settings.WS_CUPO_SEGUNDOS]
    return bool(await script(keys=[_clave(usuario_id)], args=argumentos))


async def liberar(*, usuario_id: int, canal: str) -> None:
    """Give ``canal``'s slot back."""
    cliente, _ = _redis()
    await cliente.zrem(_clave(usuario_id), canal)


async def mantener(*, usuario_id: int, canal: str) -> None:
    """Renew ``canal``'s slot until cancelled (run as a task while the socket is open)."""
    while True:
        await asyncio.sleep(settings.WS_CUPO_SEGUNDOS / 3)
        try:
            await reservar(usuario_id=usuario_id, canal=canal)
        except redis.RedisError as error:
            # Redis is away: the slot may lapse, which errs on the user's side; try again later.
            logger.warning("could not renew the socket slot of user %s: %s", usuario_id, error)
