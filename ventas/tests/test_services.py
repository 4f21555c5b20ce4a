from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone
from pypdf import PdfReader

from notificaciones.models import Notificacion
from outbox.models import OutboxMessage
from pruebas.factories import ProductoFactory, UsuarioFactory
from pruebas.pedidos import DECLINA, VISA, comprar, comprar_carrito, comprar_y_pagar, pagar
from ventas import emails, selectors, services
from ventas.models import CarritoCompra, EnvioEmail, MovimientoInventario, Producto, Venta


def test_comprar_reserva_el_stock_y_crea_el_pedido_pendiente_de_pago(comprador, producto):
    venta = comprar(comprador=comprador, producto_id=producto.pk, cantidad=3)

    producto.refresh_from_db()
    assert producto.stock == 7
    assert venta.estado == Venta.Estado.PENDIENTE_PAGO
    assert venta.total == Decimal("300.00")
    assert venta.numero == f"{timezone.localdate(venta.fecha_creacion):%Y%m%d}-{venta.pk:05d}"
    assert (venta.envio_nombre, venta.envio_codigo_postal, venta.metodo_pago) == ("Ana López", "06600", VISA)
    (linea,) = venta.lineas.all()
    assert (linea.producto_id, linea.vendedor_id, linea.cantidad) == (producto.pk, producto.vendedor_id, 3)
    assert (linea.precio_unitario, linea.subtotal) == (Decimal("100.00"), Decimal("300.00"))
    movimiento = MovimientoInventario.objects.get(venta=venta)
    assert (movimiento.cantidad, movimiento.stock_resultante) == (-3, 7)
    # The seller hears of it when it is paid, not at reservation; the charge is the one task queued.
    assert not Notificacion.objects.exists()
    assert list(OutboxMessage.objects.values_list("task_name", "args")) == [("pagos.tasks.cobrar_venta", [venta.pk])]


def test_pagada_avisa_a_cada_vendedor_una_vez_y_arranca_el_proceso(comprador, producto):
    otra_vendedora = UsuarioFactory(username="otra_vendedora")
    taza = ProductoFactory(vendedor=otra_vendedora, nombre="Taza", precio=Decimal("50.00"), stock=5)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.agregar_al_carrito(usuario=comprador, producto_id=taza.pk, cantidad=1)
    venta = comprar_carrito(usuario=comprador)
    OutboxMessage.objects.all().delete()

    assert pagar(venta) is True
    assert pagar(venta) is False  # a second settlement changes nothing
    assert services.marcar_rechazada(venta_id=venta.pk, motivo="tarde") is False
    assert services.marcar_expirada(venta_id=venta.pk) is False

    venta.refresh_from_db()
    assert (venta.estado, venta.pago_referencia) == (Venta.Estado.PAGADA, f"pi_prueba_{venta.pk}")
    assert venta.fecha_pago is not None
    # The pipeline, and the warehouse told (DESIGN.md flow 2), once each.
    assert list(OutboxMessage.objects.order_by("pk").values_list("task_name", "args")) == [
        ("ventas.tasks.procesar_venta_completa", [venta.pk]),
        ("almacen.tasks.notificar_almacen", [venta.pk, "venta.pagada"]),
    ]
    aviso = Notificacion.objects.get(usuario=producto.vendedor, tipo="nueva_venta")
    assert aviso.datos == {
        "venta_id": venta.pk,
        "numero": venta.numero,
        "monto": "200.00",
        "producto": producto.nombre,
        "cantidad": 2,
        "lineas": [{"producto_id": producto.pk, "producto": producto.nombre, "cantidad": 2, "stock": 8}],
    }
    assert Notificacion.objects.get(usuario=otra_vendedora, tipo="nueva_venta").datos["monto"] == "50.00"
    (al_comprador,) = Notificacion.objects.filter(usuario=comprador)
    assert al_comprador.tipo == "venta_actualizada"
    assert al_comprador.datos["estado"] == "pagada" and al_comprador.datos["venta_id"] == venta.pk


@pytest.mark.parametrize("cambio", ["rechazada", "expirada"])
def test_rechazada_o_expirada_devuelve_el_stock_una_vez(comprador, producto, cambio):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=4)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=3)
    services.agregar_al_carrito(usuario=comprador, producto_id=otro.pk, cantidad=4)
    venta = comprar_carrito(usuario=comprador, metodo_pago=DECLINA)
    assert Producto.objects.get(pk=otro.pk).stock == 0

    def cambiar():
        if cambio == "rechazada":
            return services.marcar_rechazada(venta_id=venta.pk, motivo="Tu tarjeta fue rechazada.")
        return services.marcar_expirada(venta_id=venta.pk)

    assert cambiar() is True
    assert cambiar() is False
    assert pagar(venta) is False  # never both

    venta.refresh_from_db()
    assert venta.estado == cambio
    assert venta.pago_nota
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert Producto.objects.get(pk=otro.pk).stock == 4
    devoluciones = MovimientoInventario.objects.filter(venta=venta, motivo=MovimientoInventario.Motivo.DEVOLUCION)
    assert sorted(devoluciones.values_list("producto_id", "cantidad")) == sorted([(producto.pk, 3), (otro.pk, 4)])
    assert not Notificacion.objects.filter(tipo="nueva_venta").exists()
    assert Notificacion.objects.get(usuario=comprador).datos["estado"] == cambio
    correos = OutboxMessage.objects.filter(task_name="ventas.tasks.enviar_email_pago_rechazado")
    assert correos.count() == (1 if cambio == "rechazada" else 0)


def test_anotar_pago_solo_mientras_esta_pendiente(comprador, producto):
    venta = comprar(comprador=comprador, producto_id=producto.pk)
    assert services.anotar_pago(venta_id=venta.pk, nota="Reintentamos el cobro.") is True
    assert services.anotar_pago(venta_id=venta.pk, nota="Reintentamos el cobro.") is False  # nothing new to tell
    pagar(venta)
    assert services.anotar_pago(venta_id=venta.pk, nota="otra") is False
    venta.refresh_from_db()
    assert venta.pago_nota == ""


def test_no_se_compra_un_producto_propio(producto):
    with pytest.raises(services.CompraPropia):
        comprar(comprador=producto.vendedor, producto_id=producto.pk)
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert not Venta.objects.exists()


@pytest.mark.parametrize("metodo_pago", ["", "visa", "pm_", "pm_card visa", "4242424242424242", "pm_" + "x" * 300])
def test_un_metodo_de_pago_que_no_es_un_id_se_rechaza(comprador, producto, metodo_pago):
    with pytest.raises(services.MetodoDePagoInvalido):
        comprar(comprador=comprador, producto_id=producto.pk, metodo_pago=metodo_pago)
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert not Venta.objects.exists()


def test_un_producto_desactivado_en_el_carrito_lo_dice(comprador, producto):
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    Producto.objects.filter(pk=producto.pk).update(activo=False)
    with pytest.raises(services.ProductoNoDisponible, match="ya no está a la venta"):
        comprar_carrito(usuario=comprador)
    assert not Venta.objects.exists()
    assert Producto.objects.get(pk=producto.pk).stock == 10


@pytest.mark.parametrize("cantidad", [0, -1, 101])
def test_comprar_rechaza_cantidades_fuera_de_rango(comprador, producto, cantidad):
    with pytest.raises(services.CantidadInvalida):
        comprar(comprador=comprador, producto_id=producto.pk, cantidad=cantidad)
    assert not Venta.objects.exists()


def test_sin_stock_suficiente_no_se_escribe_nada(comprador, producto):
    with pytest.raises(services.StockInsuficiente, match="Solo quedan 10"):
        comprar(comprador=comprador, producto_id=producto.pk, cantidad=11)
    producto.refresh_from_db()
    assert producto.stock == 10
    assert not Venta.objects.exists()
    assert not MovimientoInventario.objects.exists()
    assert not Notificacion.objects.exists()


def test_producto_agotado_lo_dice(comprador, producto):
    Producto.objects.filter(pk=producto.pk).update(stock=0)
    with pytest.raises(services.StockInsuficiente, match="agotado"):
        comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)


def test_producto_inexistente_o_inactivo(comprador, producto):
    with pytest.raises(Producto.DoesNotExist):
        comprar(comprador=comprador, producto_id=producto.pk + 1000, cantidad=1)
    Producto.objects.filter(pk=producto.pk).update(activo=False)
    with pytest.raises(Producto.DoesNotExist):
        comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)


def test_carrito_acumula_y_compra_todo_junto(comprador, producto):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=4, precio=Decimal("10.50"))
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.agregar_al_carrito(usuario=comprador, producto_id=otro.pk, cantidad=4)
    carrito = selectors.carrito_abierto(comprador)
    assert carrito.total == Decimal("342.00")

    venta = comprar_carrito(usuario=comprador)

    assert venta.total == Decimal("342.00")
    assert sorted(venta.lineas.values_list("producto_id", "cantidad")) == sorted([(producto.pk, 3), (otro.pk, 4)])
    assert Venta.objects.count() == 1
    assert OutboxMessage.objects.count() == 1  # one order, one row, one publish
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
        comprar_carrito(usuario=comprador)

    assert not Venta.objects.exists()
    assert Producto.objects.get(pk=producto.pk).stock == 10
    assert CarritoCompra.objects.get(usuario=comprador).comprado is False


def test_carrito_vacio(comprador):
    with pytest.raises(services.CarritoVacio):
        comprar_carrito(usuario=comprador)


def test_agregar_mas_que_el_stock_se_rechaza(comprador, producto):
    with pytest.raises(services.StockInsuficiente):
        services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=11)


def test_cambiar_cantidad_a_cero_quita_el_articulo(comprador, producto):
    item = services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.cambiar_cantidad(usuario=comprador, item_id=item.pk, cantidad=0)
    assert not selectors.carrito_abierto(comprador).items.exists()


def test_alerta_de_stock_una_vez_por_cruce(comprador, producto):
    comprar(comprador=comprador, producto_id=producto.pk, cantidad=8)  # 10 -> 2, under 3
    assert services.actualizar_inventario(producto_id=producto.pk) is True
    assert services.actualizar_inventario(producto_id=producto.pk) is False  # same crossing
    comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    assert services.actualizar_inventario(producto_id=producto.pk) is False

    services.reponer_stock(producto_id=producto.pk, cantidad=20)  # back over: re-armed
    producto.refresh_from_db()
    assert not producto.alerta_stock_enviada
    comprar(comprador=comprador, producto_id=producto.pk, cantidad=20)
    assert services.actualizar_inventario(producto_id=producto.pk) is True
    producto.refresh_from_db()
    assert producto.cruces_stock_bajo == 2


def test_factura_se_genera_una_sola_vez(comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
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


def test_un_pedido_sin_pagar_no_se_factura(comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venta = comprar(comprador=comprador, producto_id=producto.pk)
    with pytest.raises(services.VentaNoPagada):
        services.generar_factura_pdf(venta_id=venta.pk)
    assert not (tmp_path / "facturas").exists()


def test_la_factura_lleva_cada_linea_y_la_direccion(comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    taza = ProductoFactory(vendedor=producto.vendedor, nombre="Taza de barro", precio=Decimal("45.25"))
    services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=2)
    services.agregar_al_carrito(usuario=comprador, producto_id=taza.pk, cantidad=3)
    venta = comprar_carrito(usuario=comprador)
    pagar(venta)
    nombre = services.generar_factura_pdf(venta_id=venta.pk)
    texto = "".join(pagina.extract_text() for pagina in PdfReader(tmp_path / nombre).pages)
    for esperado in ("Café de prueba", "Taza de barro", "$200.00", "$135.75", "$335.75", "Av. Reforma 222", "06600"):
        assert esperado in texto
