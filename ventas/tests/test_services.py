from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from notificaciones.models import Notificacion
from pruebas.factories import ProductoFactory
from ventas import emails, selectors, services
from ventas.models import CarritoCompra, EnvioEmail, MovimientoInventario, Producto, Venta


def test_comprar_descuenta_stock_y_registra_la_venta(comprador, producto):
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=3)

    producto.refresh_from_db()
    assert producto.stock == 7
    assert venta.monto == Decimal("300.00")
    assert venta.vendedor == producto.vendedor
    assert venta.numero == f"{timezone.localdate(venta.fecha_creacion):%Y%m%d}-{venta.pk:05d}"
    movimiento = MovimientoInventario.objects.get(venta=venta)
    assert (movimiento.cantidad, movimiento.stock_resultante) == (-3, 7)
    aviso = Notificacion.objects.get(usuario=producto.vendedor)
    assert aviso.tipo == "nueva_venta"
    assert aviso.datos == {
        "venta_id": venta.pk,
        "numero": venta.numero,
        "monto": "300.00",
        "producto_id": producto.pk,
        "producto": producto.nombre,
        "cantidad": 3,
        "stock": 7,
    }


@pytest.mark.parametrize("cantidad", [0, -1, 101])
def test_comprar_rechaza_cantidades_fuera_de_rango(comprador, producto, cantidad):
    with pytest.raises(services.CantidadInvalida):
        services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=cantidad)
    assert not Venta.objects.exists()


def test_sin_stock_suficiente_no_se_escribe_nada(comprador, producto):
    with pytest.raises(services.StockInsuficiente, match="Solo quedan 10"):
        services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=11)
    producto.refresh_from_db()
    assert producto.stock == 10
    assert not Venta.objects.exists()
    assert not MovimientoInventario.objects.exists()
    assert not Notificacion.objects.exists()


def test_producto_agotado_lo_dice(comprador, producto):
    Producto.objects.filter(pk=producto.pk).update(stock=0)
    with pytest.raises(services.StockInsuficiente, match="agotado"):
        services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)


def test_producto_inexistente_o_inactivo(comprador, producto):
    with pytest.raises(Producto.DoesNotExist):
        services.comprar(comprador=comprador, producto_id=producto.pk + 1000, cantidad=1)
    Producto.objects.filter(pk=producto.pk).update(activo=False)
    with pytest.raises(Producto.DoesNotExist):
        services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)


def test_carrito_acumula_y_compra_todo_junto(comprador, producto):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=4, precio=Decimal("10.50"))
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.agregar_al_carrito(usuario=comprador, producto_id=otro.pk, cantidad=4)
    carrito = selectors.carrito_abierto(comprador)
    assert carrito.total == Decimal("342.00")

    ventas = services.comprar_carrito(usuario=comprador)

    assert sorted((v.producto_id, v.cantidad) for v in ventas) == sorted([(producto.pk, 3), (otro.pk, 4)])
    carrito.refresh_from_db()
    assert carrito.comprado
    assert selectors.carrito_abierto(comprador) is None
    assert Producto.objects.get(pk=otro.pk).stock == 0


def test_carrito_es_todo_o_nada(comprador, producto):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=4)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.agregar_al_carrito(usuario=comprador, producto_id=otro.pk, cantidad=4)
    Producto.objects.filter(pk=otro.pk).update(stock=3)  # someone bought one meanwhile

    with pytest.raises(services.StockInsuficiente):
        services.comprar_carrito(usuario=comprador)

    assert not Venta.objects.exists()
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert CarritoCompra.objects.get(usuario=comprador).comprado is False


def test_carrito_vacio(comprador):
    with pytest.raises(services.CarritoVacio):
        services.comprar_carrito(usuario=comprador)


def test_agregar_mas_que_el_stock_se_rechaza(comprador, producto):
    with pytest.raises(services.StockInsuficiente):
        services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=11)


def test_cambiar_cantidad_a_cero_quita_el_articulo(comprador, producto):
    item = services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.cambiar_cantidad(usuario=comprador, item_id=item.pk, cantidad=0)
    assert not selectors.carrito_abierto(comprador).items.exists()


def test_alerta_de_stock_una_vez_por_cruce(comprador, producto):
    services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=8)  # 10 -> 2, under 3
    assert services.actualizar_inventario(producto_id=producto.pk) is True
    assert services.actualizar_inventario(producto_id=producto.pk) is False  # same crossing
    services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    assert services.actualizar_inventario(producto_id=producto.pk) is False

    services.reponer_stock(producto_id=producto.pk, cantidad=20)  # back over: re-armed
    producto.refresh_from_db()
    assert not producto.alerta_stock_enviada
    services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=20)
    assert services.actualizar_inventario(producto_id=producto.pk) is True
    producto.refresh_from_db()
    assert producto.cruces_stock_bajo == 2


def test_factura_se_genera_una_sola_vez(comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    primera = services.generar_factura_pdf(venta_id=venta.pk)
    segunda = services.generar_factura_pdf(venta_id=venta.pk)
    assert primera == segunda
    assert [p.name for p in (tmp_path / "facturas").iterdir()] == [f"factura-{venta.numero}.pdf"]


def _mensaje():
    return EmailMessage(subject="Hola", body="cuerpo", to=["alguien@example.com"])


def test_email_una_vez_aunque_se_pida_dos(db, buzon):
    assert emails.enviar_email_una_vez("prueba:1", _mensaje) is True
    assert emails.enviar_email_una_vez("prueba:1", _mensaje) is False
    assert len(buzon.mensajes) == 1
    assert buzon.mensajes[0]["Message-ID"] == "<prueba.1@mitienda>"


def test_email_en_curso_no_se_duplica_pero_un_reclamo_vencido_se_retoma(db, buzon):
    EnvioEmail.objects.create(clave="prueba:2", reclamado=timezone.now())
    with pytest.raises(emails.EmailEnCurso):  # the email task retries when the lease ends
        emails.enviar_email_una_vez("prueba:2", _mensaje)
    assert buzon.mensajes == []
    EnvioEmail.objects.filter(clave="prueba:2").update(reclamado=timezone.now() - timedelta(hours=1))
    assert emails.enviar_email_una_vez("prueba:2", _mensaje) is True
    assert EnvioEmail.objects.get(clave="prueba:2").enviado is not None
    assert len(buzon.mensajes) == 1


def test_un_envio_fallido_libera_el_reclamo(db, buzon, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    with pytest.raises(OSError):
        emails.enviar_email_una_vez("prueba:3", _mensaje)
    envio = EnvioEmail.objects.get(clave="prueba:3")
    assert envio.reclamado is None and envio.enviado is None
    settings.EMAIL_PORT = buzon.port
    assert emails.enviar_email_una_vez("prueba:3", _mensaje) is True
    assert len(buzon.mensajes) == 1
