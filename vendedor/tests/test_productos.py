"""A seller's products: create, edit (never the stock), adjust stock through movements; others' are 404."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from outbox.models import OutboxMessage
from pruebas import pedidos
from pruebas.factories import ProductoFactory, UsuarioFactory
from ventas import services
from ventas.models import MovimientoInventario, Producto


def _ledger(producto) -> int:
    return MovimientoInventario.objects.filter(producto=producto).aggregate(total=Sum("cantidad"))["total"] or 0


def test_lista_solo_sus_productos_activos_y_pausados(cliente_vendedora, producto, vendedora):
    pausado = ProductoFactory(vendedor=vendedora, nombre="Taza pausada", activo=False)
    ajeno = ProductoFactory(nombre="Producto ajeno")
    html = cliente_vendedora.get("/vendedor/productos/").content.decode()
    assert producto.nombre in html and pausado.nombre in html and ajeno.nombre not in html
    assert f"/vendedor/productos/{producto.pk}/stock/" in html


def test_un_comprador_no_llega_a_productos_ajenos(client, producto):
    comprador = UsuarioFactory(username="curioso")
    client.force_login(comprador)
    assert client.get("/vendedor/productos/").status_code == 403
    assert client.get("/vendedor/productos/nuevo/").status_code == 403
    for pagina in ("editar", "stock"):
        assert client.get(f"/vendedor/productos/{producto.pk}/{pagina}/").status_code == 404
    respuesta = client.post(f"/vendedor/productos/{producto.pk}/stock/", {"motivo": "ajuste", "cantidad": "-10"})
    assert respuesta.status_code == 404
    respuesta = client.post(f"/vendedor/productos/{producto.pk}/editar/", {"nombre": "Mío", "precio": "1"})
    assert respuesta.status_code == 404
    producto.refresh_from_db()
    assert producto.stock == 10 and producto.nombre == "Café de Chiapas"
    # Another seller too: owning products does not open someone else's.
    otra = ProductoFactory(nombre="De otra").vendedor
    client.force_login(otra)
    assert client.get(f"/vendedor/productos/{producto.pk}/editar/").status_code == 404


def test_crear_editar_y_ajustar(cliente_vendedora, vendedora):
    respuesta = cliente_vendedora.post(
        "/vendedor/productos/nuevo/",
        {
            "nombre": "Salsa macha",
            "descripcion": "Con cacahuate",
            "precio": "85.50",
            "stock_minimo": "4",
            "activo": "on",
        },
    )
    nuevo = Producto.objects.get(nombre="Salsa macha")
    assert respuesta.status_code == 302 and respuesta["Location"] == f"/vendedor/productos/{nuevo.pk}/stock/"
    assert nuevo.vendedor == vendedora and nuevo.stock == 0 and nuevo.precio == Decimal("85.50")

    respuesta = cliente_vendedora.post(
        f"/vendedor/productos/{nuevo.pk}/stock/", {"motivo": "reposicion", "cantidad": "12"}
    )
    assert respuesta.status_code == 302
    respuesta = cliente_vendedora.post(f"/vendedor/productos/{nuevo.pk}/stock/", {"motivo": "ajuste", "cantidad": "-2"})
    nuevo.refresh_from_db()
    assert nuevo.stock == 10 == _ledger(nuevo)
    assert list(nuevo.movimientos.order_by("pk").values_list("motivo", "cantidad", "stock_resultante")) == [
        ("reposicion", 12, 12),
        ("ajuste", -2, 10),
    ]

    # Below zero: a clear error on the form, nothing written.
    respuesta = cliente_vendedora.post(
        f"/vendedor/productos/{nuevo.pk}/stock/", {"motivo": "ajuste", "cantidad": "-11"}
    )
    assert respuesta.status_code == 409
    assert "No puedes restar 11 unidades de «Salsa macha»: solo hay 10." in respuesta.content.decode()
    for datos in (
        {"motivo": "ajuste", "cantidad": "0"},
        {"motivo": "reposicion", "cantidad": "-1"},
        {"motivo": "venta", "cantidad": "5"},
    ):
        assert cliente_vendedora.post(f"/vendedor/productos/{nuevo.pk}/stock/", datos).status_code in (400, 409)
    nuevo.refresh_from_db()
    assert nuevo.stock == 10 and nuevo.movimientos.count() == 2

    # Editing never carries a stock: a sale meanwhile is kept.
    pagina = cliente_vendedora.get(f"/vendedor/productos/{nuevo.pk}/editar/").content.decode()
    assert 'name="stock"' not in pagina
    comprador = UsuarioFactory(username="compradora")
    pedidos.comprar(comprador=comprador, producto_id=nuevo.pk, cantidad=3)
    respuesta = cliente_vendedora.post(
        f"/vendedor/productos/{nuevo.pk}/editar/",
        {"nombre": "Salsa macha picosa", "descripcion": "", "precio": "90", "stock_minimo": "8", "stock": "999"},
    )
    assert respuesta.status_code == 302
    nuevo.refresh_from_db()
    assert nuevo.nombre == "Salsa macha picosa" and not nuevo.activo and nuevo.stock == 7 == _ledger(nuevo)
    # The new minimum put it under: the supplier's alert is queued once.
    assert nuevo.alerta_stock_enviada
    assert OutboxMessage.objects.filter(task_name="ventas.tasks.notificar_stock_bajo", args=[nuevo.pk, 1]).count() == 1


def test_formulario_invalido_dice_por_que(cliente_vendedora, producto):
    respuesta = cliente_vendedora.post(f"/vendedor/productos/{producto.pk}/editar/", {"nombre": "", "precio": "0"})
    assert respuesta.status_code == 400
    producto.refresh_from_db()
    assert producto.nombre == "Café de Chiapas"


@pytest.mark.django_db(transaction=True)
def test_ajustes_mientras_20_hilos_compran_el_stock_y_el_ledger_cuadran():
    vendedora = UsuarioFactory(username="vendedora_concurrente")
    ProductoFactory(vendedor=vendedora, nombre="Otro")  # a seller already
    seller = Client()
    seller.force_login(vendedora)
    seller.post(
        "/vendedor/productos/nuevo/",
        {"nombre": "Molcajete", "descripcion": "", "precio": "420", "stock_minimo": "3", "activo": "on"},
    )
    producto = Producto.objects.get(nombre="Molcajete")
    assert (
        seller.post(f"/vendedor/productos/{producto.pk}/stock/", {"motivo": "reposicion", "cantidad": "10"}).status_code
        == 302
    )

    compradores = [UsuarioFactory(username=f"hilo{i}") for i in range(20)]
    ajustes = [("reposicion", 3), ("ajuste", -2), ("reposicion", 4), ("ajuste", -5), ("ajuste", -1)]
    salida = threading.Barrier(len(compradores) + len(ajustes))
    ventas, rechazos, ajustados, errores = [], [], [], []

    def comprar(comprador):
        try:
            salida.wait()
            ventas.append(pedidos.comprar(comprador=comprador, producto_id=producto.pk))
        except services.StockInsuficiente:
            rechazos.append(comprador)
        except Exception as error:  # noqa: BLE001 - reported below
            errores.append(error)
        finally:
            connection.close()

    def ajustar(motivo, cantidad):
        cliente = Client()
        cliente.force_login(vendedora)
        try:
            salida.wait()
            respuesta = cliente.post(
                f"/vendedor/productos/{producto.pk}/stock/", {"motivo": motivo, "cantidad": str(cantidad)}
            )
            if respuesta.status_code == 302:
                ajustados.append(cantidad)
            else:
                assert respuesta.status_code == 409, respuesta.status_code
        except Exception as error:  # noqa: BLE001
            errores.append(error)
        finally:
            connection.close()

    hilos = [threading.Thread(target=comprar, args=(c,)) for c in compradores]
    hilos += [threading.Thread(target=ajustar, args=a) for a in ajustes]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(60)

    assert not errores, errores
    assert len(ventas) + len(rechazos) == 20 and ventas
    producto.refresh_from_db()
    assert producto.stock >= 0
    assert producto.stock == 10 + sum(ajustados) - len(ventas)
    assert producto.stock == _ledger(producto)
    assert MovimientoInventario.objects.filter(producto=producto, motivo="venta").count() == len(ventas)
    # Each movement's running total is a stock the product really had: replaying the
    # ledger in order lands on every recorded ``stock_resultante``.
    corrido = 0
    for cantidad, resultante in (
        MovimientoInventario.objects.filter(producto=producto)
        .order_by("pk")
        .values_list("cantidad", "stock_resultante")
    ):
        corrido += cantidad
        assert corrido == resultante
