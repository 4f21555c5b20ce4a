"""Hostile HTTP input: fuzzed buy and cart forms, missing CSRF tokens.

Whatever arrives, the answer is a 4xx or a redirect, never a 500, and the data stay
whole: stock plus what was sold is what there was, every sale has its inventory
movement and its seller notification, a refused request writes nothing.
"""

import pytest
from django.db.models import Sum
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from notificaciones.models import Notificacion
from outbox.models import OutboxMessage
from pruebas.factories import ENVIO, ProductoFactory
from pruebas.pedidos import VISA
from pruebas.plugin import ajustes_de_fuzz
from ventas import services
from ventas.models import CarritoCompra, ItemCarrito, LineaVenta, MovimientoInventario, Producto, Venta

pytestmark = pytest.mark.django_db

FUZZ = ajustes_de_fuzz(150)
RAROS = [
    "1", "100", "101", "0", "-0", "-1", "1e3", "1.0", "1,0", " 2 ", "+3", "0x10", "٣", "²", "NaN", "Infinity",
    "\x00", "1\x00", "'; DROP TABLE ventas_venta;--", "<script>alert(1)</script>", "9" * 5000, "",
]  # fmt: skip
TEXTOS = st.one_of(
    st.sampled_from(RAROS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=40),
)
FORMULARIOS = st.fixed_dictionaries(
    {},
    optional={
        "cantidad": st.one_of(TEXTOS, st.lists(TEXTOS, min_size=2, max_size=3)),
        "producto": TEXTOS,
        "csrfmiddlewaretoken": TEXTOS,
        "metodo_pago": st.one_of(st.just(VISA), TEXTOS),
        "direccion": TEXTOS,
        **{campo: st.one_of(st.just(valor), TEXTOS) for campo, valor in ENVIO.items()},
    },
)
IDS_RAROS = st.one_of(st.integers(min_value=0, max_value=2**70), st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64]))


@pytest.fixture
def productos(vendedor):
    return [
        ProductoFactory(vendedor=vendedor, stock=10_000, stock_minimo=1),
        ProductoFactory(vendedor=vendedor, stock=3, stock_minimo=1),
    ]


@pytest.fixture
def inicial(productos):
    return {p.pk: p.stock for p in productos}


def _integro(inicial: dict[int, int]) -> None:
    """Check nothing was half written: stock, orders, lines, movements and the charge to send agree."""
    for producto in Producto.objects.filter(pk__in=inicial):
        vendidas = LineaVenta.objects.filter(producto=producto).aggregate(n=Sum("cantidad"))["n"] or 0
        assert producto.stock + vendidas == inicial[producto.pk]
        movido = MovimientoInventario.objects.filter(producto=producto).aggregate(n=Sum("cantidad"))["n"] or 0
        assert movido == -vendidas
    assert MovimientoInventario.objects.filter(venta__isnull=False).count() == LineaVenta.objects.count()
    ventas = Venta.objects.count()
    assert not Venta.objects.filter(lineas__isnull=True).exists()
    assert OutboxMessage.objects.filter(task_name="pagos.tasks.cobrar_venta").count() == ventas
    # Pending orders: nobody is told of a sale before it is paid.
    assert not Notificacion.objects.filter(tipo="nueva_venta").exists()
    assert all(1 <= i.cantidad <= 100 for i in ItemCarrito.objects.all())


def _producto_id(data, productos) -> int:
    return data.draw(st.one_of(st.sampled_from([p.pk for p in productos]), IDS_RAROS), label="producto_id")


@FUZZ
@given(data=st.data(), formulario=FORMULARIOS)
def test_comprar_con_cualquier_cosa(cliente_comprador, productos, inicial, data, formulario):
    producto_id = _producto_id(data, productos)
    antes = Venta.objects.count()

    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto_id}/", formulario)

    assert respuesta.status_code in (200, 302, 400, 404, 409)
    assert Venta.objects.count() == antes + (respuesta.status_code == 302)
    _integro(inicial)


@FUZZ
@given(data=st.data(), formulario=FORMULARIOS)
def test_agregar_al_carrito_con_cualquier_cosa(cliente_comprador, comprador, productos, inicial, data, formulario):
    producto_id = _producto_id(data, productos)
    antes = list(ItemCarrito.objects.values_list("pk", "cantidad"))

    respuesta = cliente_comprador.post(f"/carrito/agregar/{producto_id}/", formulario)

    assert respuesta.status_code in (302, 400, 404, 409)
    if respuesta.status_code != 302:
        assert list(ItemCarrito.objects.values_list("pk", "cantidad")) == antes
    assert CarritoCompra.objects.filter(usuario=comprador, comprado=False).count() <= 1
    _integro(inicial)


@FUZZ
@given(data=st.data(), formulario=FORMULARIOS)
def test_cambiar_cantidad_y_pagar_con_cualquier_cosa(
    cliente_comprador, comprador, productos, inicial, data, formulario
):
    CarritoCompra.objects.filter(usuario=comprador).delete()
    item = services.agregar_al_carrito(usuario=comprador, producto_id=productos[0].pk, cantidad=1)
    item_id = data.draw(st.one_of(st.just(item.pk), IDS_RAROS), label="item_id")

    respuesta = cliente_comprador.post(f"/carrito/items/{item_id}/", formulario)
    assert respuesta.status_code in (302, 404)
    _integro(inicial)

    if data.draw(st.booleans(), label="pagar"):
        antes = Venta.objects.count()
        en_carrito = ItemCarrito.objects.filter(carrito__usuario=comprador, carrito__comprado=False).count()
        respuesta = cliente_comprador.post("/carrito/comprar/", formulario)
        assert respuesta.status_code in (302, 400, 409)
        assert Venta.objects.count() == antes + (respuesta.status_code == 302 and en_carrito > 0)
        _integro(inicial)


@pytest.mark.parametrize(
    "ruta",
    ["/carrito/agregar/{producto}/", "/carrito/items/{item}/", "/carrito/comprar/"],
)
def test_sin_token_csrf_es_403_y_nada_cambia(comprador, producto, ruta):
    item = services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(comprador)
    cliente.get("/")  # a csrftoken cookie, but no token in the form

    respuesta = cliente.post(
        ruta.format(producto=producto.pk, item=item.pk), {"cantidad": "2", "metodo_pago": VISA, **ENVIO}
    )

    assert respuesta.status_code == 403
    assert list(ItemCarrito.objects.values_list("cantidad", flat=True)) == [1]
    assert not Venta.objects.exists()
    assert Producto.objects.get(pk=producto.pk).stock == 10


def test_el_token_csrf_de_otro_navegador_no_vale(comprador, vendedor, producto):
    otro = Client(enforce_csrf_checks=True)
    otro.force_login(vendedor)
    otro.get(f"/productos/{producto.pk}/")
    ajeno = otro.cookies["csrftoken"].value
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(comprador)
    cliente.get(f"/productos/{producto.pk}/")

    datos = {"cantidad": "1", "csrfmiddlewaretoken": ajeno, "metodo_pago": VISA, **ENVIO}
    respuesta = cliente.post(f"/ventas/comprar/{producto.pk}/", datos)

    assert respuesta.status_code == 403
    assert not Venta.objects.exists()
