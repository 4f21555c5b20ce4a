"""Health: ``/health/`` for load balancers, ``/health/detalle/`` for ops.

``/health/`` answers "can this web process serve?": the database and Redis, checked at
once, each within ``TIMEOUT``, at most once a second whatever the probe rate, away from
the threads the process's views and sockets run on. It asks
neither the broker nor the workers: a sale still commits with either of them down
(docs/reliability.md), and a load balancer that took every web node out of rotation for
them would turn a slow pipeline into an outage.

``/health/detalle/`` adds the broker, the workers that answer a ping and the messages
waiting in each queue. A ping always waits out its timeout, so the report is built at
most once per ``DETALLE_SEGUNDOS``; it is for staff, or for a monitor that sends
``Authorization: Bearer <HEALTH_TOKEN>``, not for the world.
"""

import asyncio
import hmac
import math
import time
from concurrent.futures import ThreadPoolExecutor

import redis.asyncio
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .celery import app as celery_app

TIMEOUT = 1.0
# How long a result serves the requests that follow it (see _compartido).
VIVO_SEGUNDOS = 1.0
DETALLE_SEGUNDOS = 5.0

# Blocking checks (the ORM, kombu) run here: a hung database ties up these threads
# only, and a probe that waits for one of them answers 503 after its timeout.
_hilos = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this thread is not a request's: nothing else would close it
    return "ok"


async def _redis():
    cliente = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        await cliente.ping()
    finally:
        await cliente.aclose()
    return "ok"


def _conexion_al_broker():
    # The URL from settings (not the app's cached one), so a test or a reload sees a change.
    # A fresh connection, not one from the app's pool: after a broker restart every pooled
    # connection fails once, and each would report the broker or the workers down.
    return celery_app.connection_for_write(settings.CELERY_BROKER_URL)


def _broker():
    with _conexion_al_broker() as conexion:
        conexion.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return "ok"


def _workers():
    with _conexion_al_broker() as conexion:
        respuestas = celery_app.control.ping(timeout=TIMEOUT, connection=conexion) or []
    if not respuestas:
        raise RuntimeError("no worker answered")
    return sorted(nodo for respuesta in respuestas for nodo in respuesta)


def _colas():
    """Return the messages waiting in each of the project's queues (Redis or RabbitMQ)."""
    esperando = {}
    with _conexion_al_broker() as conexion:
        for cola in settings.CELERY_TASK_QUEUES:
            # Declared as the workers declare them (RabbitMQ refuses other arguments): on
            # Redis an empty queue has no key, and a passive declare would call it missing.
            try:
                esperando[cola.name] = cola.bind(conexion.default_channel).queue_declare().message_count
            except Exception as error:  # noqa: BLE001 - one queue that fails must not hide the others
                esperando[cola.name] = _error(error)
                conexion.close()  # RabbitMQ closes the channel after an error
    return esperando


def _error(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"error: TimeoutError: no answer within {TIMEOUT} s"
    return f"error: {error.__class__.__name__}: {error}"[:200]


async def _comprobar(check) -> tuple[object, bool]:
    """Run ``check`` (a coroutine function, or a blocking one in a thread) within its timeout."""
    try:
        if asyncio.iscoroutinefunction(check):
            espera = check()
        else:
            espera = asyncio.get_running_loop().run_in_executor(_hilos, check)
        # The ping waits TIMEOUT by itself; the margin is for connecting first.
        return await asyncio.wait_for(espera, TIMEOUT * 3), True
    except Exception as error:  # noqa: BLE001 - any failure means "down", reported by name
        return _error(error), False


async def _informe(checks: dict) -> tuple[dict, list[str]]:
    resultados = await asyncio.gather(*(_comprobar(check) for check in checks.values()))
    estado = {nombre: valor for nombre, (valor, _) in zip(checks, resultados, strict=True)}
    return estado, [nombre for nombre, (_, bien) in zip(checks, resultados, strict=True) if not bien]


def _cuerpo(cuerpo: dict, fallos: list[str]) -> tuple[dict, int]:
    return {"status": "ok" if not fallos else "error", "failing": fallos, **cuerpo}, 200 if not fallos else 503


async def _vivo() -> tuple[dict, int]:
    """Return the body and status of ``/health/``.

    The world may read it: a failing part is named, its error (addresses, messages) is not.
    """
    estado, fallos = await _informe({"database": _database, "redis": _redis})
    return _cuerpo(
        {"checks": {nombre: "error" if nombre in fallos else valor for nombre, valor in estado.items()}}, fallos
    )


# fabrica -> (event loop, task, monotonic time until which its result is kept)
_compartidos: dict = {}


async def _compartido(fabrica, segundos: float):
    """Await ``fabrica()``, built once at a time and kept ``segundos`` after it ends.

    So a burst of requests costs one check, however many arrive. Per event loop (Daphne
    runs one per process; a task cannot be awaited from another loop).
    """
    loop = asyncio.get_running_loop()
    suyo, tarea, hasta = _compartidos.get(fabrica, (None, None, 0.0))
    if suyo is not loop or (tarea.done() and time.monotonic() >= hasta):
        tarea = loop.create_task(fabrica())
        _compartidos[fabrica] = (loop, tarea, math.inf)

        def guardar(hecha):
            if _compartidos.get(fabrica, (None, None))[1] is hecha:
                _compartidos[fabrica] = (loop, hecha, time.monotonic() + segundos)

        tarea.add_done_callback(guardar)
    return await asyncio.shield(tarea)


@never_cache
async def health(request):
    """Return 200 if the database and Redis answer, or 503 naming the one that did not."""
    cuerpo, estado = await _compartido(_vivo, VIVO_SEGUNDOS)
    return JsonResponse(cuerpo, status=estado)


async def _detalle() -> tuple[dict, list[str]]:
    estado, fallos = await _informe({"database": _database, "redis": _redis, "broker": _broker})
    cuerpo = {"checks": estado, "nodos": [], "colas": {}}
    if "broker" in fallos:
        estado["workers"] = "unknown: broker down"
        fallos.append("workers")
    else:
        # A queue that cannot be read is reported in "colas", but is not a part that is down.
        otros, fallan = await _informe({"workers": _workers, "colas": _colas})
        if "workers" in fallan:
            estado["workers"] = otros["workers"]
            fallos.append("workers")
        else:
            estado["workers"], cuerpo["nodos"] = len(otros["workers"]), otros["workers"]
        cuerpo["colas"] = otros["colas"]
    cuerpo["generado"] = timezone.now().isoformat()
    return cuerpo, fallos


def _token_valido(request) -> bool:
    token = settings.HEALTH_TOKEN
    tipo, _, enviado = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and tipo.lower() == "bearer" and hmac.compare_digest(enviado.encode(), token.encode())


@never_cache
async def health_detalle(request):
    """Return every part's state, the live workers and each queue's backlog (staff or token only)."""
    if not _token_valido(request) and not (await request.auser()).is_staff:
        return JsonResponse({"error": "staff login or Authorization: Bearer <HEALTH_TOKEN> required"}, status=403)
    cuerpo, estado = _cuerpo(*await _compartido(_detalle, DETALLE_SEGUNDOS))
    return JsonResponse(cuerpo, status=estado)
