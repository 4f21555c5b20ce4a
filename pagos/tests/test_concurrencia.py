"""Twenty buyers at once on five units, half of them with a card that is declined.

Real threads through the real buy-now view (each on its own database connection), the
session's worker charging at localstripe. The stock ends exact: every paid unit is
gone, every declined order gave its units back once, nothing was oversold.
"""

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from pruebas.factories import ENVIO, UsuarioFactory
from pruebas.procesos import esperar
from ventas.models import MovimientoInventario, Producto, Venta

pytestmark = pytest.mark.django_db(transaction=True)

COMPRADORES = 20
STOCK = 5


def test_20_compradores_5_unidades_la_mitad_rechazados_el_stock_cuadra(localstripe, celery_worker, producto):
    Producto.objects.filter(pk=producto.pk).update(stock=STOCK)
    compradores = [UsuarioFactory(username=f"concurrente{i}") for i in range(COMPRADORES)]
    # A thread that fails before the start breaks the barrier for all (no one waits forever).
    salida = threading.Barrier(COMPRADORES, timeout=60)
    respuestas: dict[int, int] = {}
    errores: list[BaseException] = []

    def comprar(i: int):
        try:
            cliente = Client()
            cliente.force_login(compradores[i])
            tarjeta = "pm_card_visa" if i % 2 == 0 else "pm_card_chargeCustomerFail"
            # Back to the pool before waiting (on PostgreSQL the pool is smaller than 20 threads).
            connection.close()
            salida.wait()
            respuesta = cliente.post(
                f"/ventas/comprar/{producto.pk}/", {"cantidad": "1", "metodo_pago": tarjeta, **ENVIO}
            )
            respuestas[i] = respuesta.status_code
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errores.append(error)
            salida.abort()
        finally:
            connection.close()

    hilos = [threading.Thread(target=comprar, args=(i,), daemon=True) for i in range(COMPRADORES)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(90)

    assert not [e for e in errores if not isinstance(e, threading.BrokenBarrierError)], errores
    assert len(respuestas) == COMPRADORES and set(respuestas.values()) <= {200, 302, 409}
    creadas = Venta.objects.filter(lineas__producto=producto).distinct()
    assert 1 <= creadas.count() == list(respuestas.values()).count(302)
    esperar(
        lambda: not creadas.filter(estado=Venta.Estado.PENDIENTE_PAGO).exists(),
        timeout=60,
        mensaje="every order paid or declined",
    )

    pagadas = creadas.filter(estado=Venta.Estado.PAGADA)
    rechazadas = creadas.filter(estado=Venta.Estado.RECHAZADA)
    assert pagadas.count() + rechazadas.count() == creadas.count()
    assert pagadas.count() <= STOCK
    assert Producto.objects.get(pk=producto.pk).stock == STOCK - pagadas.count()
    for venta in rechazadas:
        assert venta.comprador.username[-1] in "13579"  # only the declining cards
        assert MovimientoInventario.objects.filter(venta=venta, motivo="devolucion").count() == 1
        assert localstripe.cobrados(venta.pk) == []
    for venta in pagadas:
        assert not MovimientoInventario.objects.filter(venta=venta, motivo="devolucion").exists()
        assert [pi["id"] for pi in localstripe.cobrados(venta.pk)] == [venta.pago_referencia]
    movido = MovimientoInventario.objects.filter(producto=producto).aggregate(total=Sum("cantidad"))["total"]
    assert movido == -pagadas.count()
