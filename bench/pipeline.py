"""Order pipeline throughput: orders paid and fully processed per second (the charge through
localstripe, stock check, invoice, email).

For each broker (Redis, and RabbitMQ when it answers at 127.0.0.1:5672), with one worker
process of the project's settings (acks_late, prefetch 1, concurrency 2) and a local
localstripe process:
  - check out N orders with the worker stopped, start it, time until every order is paid
    and has its invoice and its email: orders/s, the Stripe round trip included;
  - the ceiling: N×4 no-op tasks (an order runs four: the charge, the pipeline, the
    invoice, the email) on the same broker and worker settings: tasks/s ÷ 4.

    python -m bench.pipeline [--ventas 100]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

from pruebas.procesos import esperar

from .common import BASE_DIR, Pila, guardar, imprimir_tabla, progreso

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
TAREAS_POR_VENTA = 4


def _rabbitmq_disponible() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=0.5).close()
        return True
    except OSError:
        return False


def _medir(pila: Pila, ventas: int) -> dict:
    broker = os.environ["CELERY_BROKER_URL"]
    from django.db import transaction

    from myproject.celery import app
    from pruebas.factories import ProductoFactory, UsuarioFactory
    from pruebas.pedidos import comprar
    from ventas.models import Venta

    from . import tareas

    app.control.purge()
    env = {"CELERY_BROKER_URL": broker}

    comprador = UsuarioFactory(username=f"bench_pipeline_{len(pila.procesos.hijos)}")
    producto = ProductoFactory(stock=10**9, stock_minimo=0)
    progreso(f"{broker.split(':')[0]}: checking out {ventas} orders")
    ids = []
    for _ in range(ventas):
        with transaction.atomic():
            ids.append(comprar(comprador=comprador, producto_id=producto.pk, cantidad=1).pk)
    worker = pila.worker(**env)
    inicio = time.perf_counter()
    esperar(
        lambda: (
            Venta.objects.filter(pk__in=ids, estado=Venta.Estado.PAGADA, email_enviado=True, factura__gt="").count()
            == ventas
        ),
        timeout=600,
        mensaje="every sale processed",
        proceso=worker,
    )
    segundos_ventas = time.perf_counter() - inicio
    worker.terminate()
    worker.wait(30)

    progreso(f"{broker.split(':')[0]}: {ventas * TAREAS_POR_VENTA} no-op tasks")
    resultados = [tareas.nada.delay(i) for i in range(ventas * TAREAS_POR_VENTA)]
    worker = pila.worker(extra=("-I", "bench.tareas"), **env)
    inicio = time.perf_counter()
    for resultado in resultados:
        resultado.get(timeout=600)
    segundos_nada = time.perf_counter() - inicio
    worker.terminate()
    worker.wait(30)

    por_segundo = ventas / segundos_ventas
    techo = ventas * TAREAS_POR_VENTA / segundos_nada / TAREAS_POR_VENTA
    return {"ventas_por_s": por_segundo, "techo_ventas_por_s": techo, "razon": por_segundo / techo}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ventas", type=int, default=100)
    parser.add_argument("--broker", help=argparse.SUPPRESS)  # one broker, in a child process
    args = parser.parse_args()
    if args.broker:
        # Settings read CELERY_BROKER_URL once, so each broker is measured in its own process.
        os.environ["CELERY_BROKER_URL"] = args.broker
        with Pila(f"pipeline-{args.broker.split(':')[0]}", stripe=True) as pila:
            print(json.dumps(_medir(pila, args.ventas)))
        return

    brokers = {"redis": None}
    if _rabbitmq_disponible():
        brokers["rabbitmq"] = RABBITMQ
    else:
        progreso("RabbitMQ not reachable at 127.0.0.1:5672: measuring Redis only")
    resultados = {}
    for nombre, url in brokers.items():
        comando = [sys.executable, "-m", "bench.pipeline", "--ventas", str(args.ventas), "--broker", url or "redis"]
        salida = subprocess.run(comando, check=True, capture_output=True, text=True, cwd=BASE_DIR)
        print(salida.stderr, end="", file=sys.stderr)
        resultados[nombre] = json.loads(salida.stdout.strip().splitlines()[-1])
    imprimir_tabla(
        f"Order pipeline throughput ({args.ventas} sales, 1 worker, concurrency 2)",
        ["broker", "paid orders/s", "ceiling orders/s (no-op)", "ratio"],
        [[n, r["ventas_por_s"], r["techo_ventas_por_s"], r["razon"]] for n, r in resultados.items()],
    )
    guardar("pipeline", {"ventas": args.ventas, "resultados": resultados})


if __name__ == "__main__":
    main()
