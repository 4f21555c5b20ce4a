"""The Beat job that deletes abandoned carts, racing a shopper who adds to or changes that cart.

Real threads, each on its own database connection, through the real views. A signal
receiver holds one side at the racy point while the other runs. On PostgreSQL
(``DATABASE_URL=postgres://…``) the shopper used to write into the cart the cleanup
had just deleted and got a 500 ("Save with update_fields did not affect any rows", or
a deadlock); on SQLite ``BEGIN IMMEDIATE`` serialises the two, and the tests hold too.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import pre_delete, pre_save
from django.test import Client
from django.utils import timezone

from pruebas.factories import ProductoFactory, UsuarioFactory
from ventas import services
from ventas.models import CarritoCompra, ItemCarrito

pytestmark = pytest.mark.django_db(transaction=True)

# How long the held side waits for the other before going on: on the fixed code the
# other side is blocked on the cart's row lock, so this is time the test spends waiting.
ESPERA = 3


class Hilo(threading.Thread):
    """Run ``funcion`` in a thread of its own; keep its result or its exception."""

    def __init__(self, nombre: str, funcion):
        super().__init__(name=nombre, daemon=True)
        self.funcion, self.resultado, self.error = funcion, None, None
        self.terminado = threading.Event()

    def run(self):
        try:
            self.resultado = self.funcion()
        except Exception as error:  # noqa: BLE001 - the test reports it
            self.error = error
        finally:
            connection.close()
            self.terminado.set()


@contextmanager
def retenido(senal, modelo, *, hilo: str, hasta: threading.Event):
    """Hold thread ``hilo`` at ``senal`` of ``modelo`` (once) until ``hasta`` is set or ESPERA passes.

    Yield the event set when the thread reached the signal.
    """
    llegada = threading.Event()

    def retener(sender, **kwargs):
        if threading.current_thread().name == hilo and not llegada.is_set():
            llegada.set()
            hasta.wait(ESPERA)

    senal.connect(retener, sender=modelo, weak=False)
    try:
        yield llegada
    finally:
        senal.disconnect(retener, sender=modelo)


@pytest.fixture
def abandonado():
    """A cart untouched for 8 days, reminded 2 days ago, with 2 units of one product: due for deletion."""
    usuario = UsuarioFactory()
    producto = ProductoFactory(stock=10)
    carrito = CarritoCompra.objects.create(usuario=usuario)
    item = ItemCarrito.objects.create(carrito=carrito, producto=producto, cantidad=2)
    ahora = timezone.now()
    CarritoCompra.objects.filter(pk=carrito.pk).update(
        ultima_modificacion=ahora - timedelta(days=8), recordatorio_enviado=ahora - timedelta(days=2)
    )
    cliente = Client()
    cliente.force_login(usuario)
    return {"usuario": usuario, "carrito": carrito, "item": item, "producto": producto, "cliente": cliente}


def _peticion(abandonado, operacion: str):
    cliente = abandonado["cliente"]
    if operacion == "agregar":
        return lambda: cliente.post(f"/carrito/agregar/{abandonado['producto'].pk}/", {"cantidad": "1"})
    return lambda: cliente.post(f"/carrito/items/{abandonado['item'].pk}/", {"cantidad": "5"})


def _abiertos(usuario) -> list[tuple[int, dict[int, int]]]:
    return [
        (carrito.pk, dict(carrito.items.values_list("producto_id", "cantidad")))
        for carrito in CarritoCompra.objects.filter(usuario=usuario, comprado=False)
    ]


def _carrera(abandonado, operacion: str, *, primero: str, senal, modelo):
    """Run the shopper's request and the cleanup in two threads, ``primero`` held at ``senal`` until the other ends.

    Return the response and the cleanup's result; fail if either raised.
    """
    hilos = {
        "comprador": Hilo("comprador", _peticion(abandonado, operacion)),
        "limpieza": Hilo("limpieza", services.limpiar_carritos_abandonados),
    }
    [segundo] = set(hilos) - {primero}
    with retenido(senal, modelo, hilo=primero, hasta=hilos[segundo].terminado) as llegada:
        hilos[primero].start()
        assert llegada.wait(30), f"{primero} never reached the held point"
        hilos[segundo].start()
        for hilo in hilos.values():
            hilo.join(60)
    assert {nombre: hilo.error for nombre, hilo in hilos.items()} == {"comprador": None, "limpieza": None}
    return hilos["comprador"].resultado, hilos["limpieza"].resultado


@pytest.mark.parametrize("operacion", ["agregar", "cambiar"])
def test_la_limpieza_borra_el_carrito_mientras_el_comprador_lo_modifica(abandonado, operacion):
    """The shopper's request has read the cart and is about to write its item when the cleanup runs."""
    respuesta, limpieza = _carrera(abandonado, operacion, primero="comprador", senal=pre_save, modelo=ItemCarrito)

    assert respuesta.status_code == 302
    # The shopper's write landed first, so the cart is active again and the cleanup keeps it.
    assert limpieza == {"recordados": 0, "eliminados": 0}
    producto_id = abandonado["producto"].pk
    assert _abiertos(abandonado["usuario"]) == [
        (abandonado["carrito"].pk, {producto_id: 3 if operacion == "agregar" else 5})
    ]


@pytest.mark.parametrize("operacion", ["agregar", "cambiar"])
def test_el_comprador_llega_mientras_la_limpieza_borra_el_carrito(abandonado, operacion):
    """The cleanup has locked the cart and is deleting it when the shopper's request arrives."""
    respuesta, limpieza = _carrera(abandonado, operacion, primero="limpieza", senal=pre_delete, modelo=CarritoCompra)

    assert limpieza == {"recordados": 0, "eliminados": 1}
    assert not CarritoCompra.objects.filter(pk=abandonado["carrito"].pk).exists()
    if operacion == "agregar":
        # The add lands in a new cart, with just what was added.
        assert respuesta.status_code == 302
        [(carrito_id, items)] = _abiertos(abandonado["usuario"])
        assert carrito_id != abandonado["carrito"].pk
        assert items == {abandonado["producto"].pk: 1}
    else:
        # The item went with its cart: "not in your cart", not a server error.
        assert respuesta.status_code == 404
        assert _abiertos(abandonado["usuario"]) == []
