"""Fixtures of the fulfilment tests: a buyer, a seller's product, a warehouse user, and paid orders."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from almacen.avisos import GRUPO
from pruebas.factories import ProductoFactory, UsuarioFactory, VentaFactory
from ventas.models import Venta


@pytest.fixture
def comprador(db):
    return UsuarioFactory(username="compradora_almacen")


@pytest.fixture
def vendedor(db):
    return UsuarioFactory(username="vendedor_almacen")


@pytest.fixture
def almacenista(db):
    usuario = UsuarioFactory(username="almacenista")
    Group.objects.get_or_create(name=GRUPO)[0].user_set.add(usuario)
    return usuario


@pytest.fixture
def producto(vendedor):
    return ProductoFactory(vendedor=vendedor, nombre="Molcajete", precio=Decimal("420.00"), stock=20, stock_minimo=2)


@pytest.fixture
def venta_pagada(comprador, producto):
    """A paid order written directly (no charge): for the transitions that need no refund."""

    def hacer(estado: str = Venta.Estado.PAGADA, **campos) -> Venta:
        return VentaFactory(comprador=comprador, producto=producto, cantidad=2, estado=estado, **campos)

    return hacer
