from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from notificaciones.models import Notificacion
from pruebas.factories import ENVIO, ProductoFactory, UsuarioFactory
from pruebas.pedidos import VISA, comprar_y_pagar
from ventas import selectors, services
from ventas.models import CarritoCompra, DireccionEnvio, Producto, Venta


def _nada_escrito(producto, stock=10):
    assert not Venta.objects.exists()
    assert not Notificacion.objects.exists()
    assert Producto.objects.get(pk=producto.pk).stock == stock


def test_catalogo_y_producto(client, producto):
    assert producto.nombre in client.get("/").content.decode()
    assert producto.nombre in client.get("/?q=café").content.decode()
    assert producto.nombre not in client.get("/?q=zzz").content.decode()
    pagina = client.get(f"/productos/{producto.pk}/").content.decode()
    assert "Entra para comprar" in pagina
    assert client.get(f"/productos/{producto.pk + 999}/").status_code == 404


def test_nombres_con_html_se_muestran_como_texto(client, vendedor):
    ProductoFactory(vendedor=vendedor, nombre="<img src=x onerror=alert(1)>")
    pagina = client.get("/").content.decode()
    assert "<img src=x onerror" not in pagina
    assert "&lt;img src=x onerror=alert(1)&gt;" in pagina


def _pago(**extra):
    return {"metodo_pago": VISA, **ENVIO, **extra}


def test_comprar_redirige_al_pedido_pendiente_de_pago(cliente_comprador, producto):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="2"))
    venta = Venta.objects.get()
    assert (respuesta.status_code, respuesta["Location"]) == (302, f"/ventas/{venta.pk}/")
    assert venta.estado == Venta.Estado.PENDIENTE_PAGO
    assert (venta.total, venta.envio_ciudad, venta.metodo_pago) == (Decimal("200.00"), "Ciudad de México", VISA)
    pagina = cliente_comprador.get(respuesta["Location"]).content.decode()
    assert venta.numero in pagina and "Pendiente de pago" in pagina and "Av. Reforma 222" in pagina
    estado = cliente_comprador.get(f"/ventas/{venta.pk}/estado/").json()
    assert estado["estado"] == "pendiente_pago" and estado["total"] == "200.00" and estado["factura_url"] is None
    assert estado["lineas"] == [
        {
            "producto_id": producto.pk,
            "producto": producto.nombre,
            "cantidad": 2,
            "precio_unitario": "100.00",
            "subtotal": "200.00",
        }
    ]


def test_el_boton_comprar_del_producto_lleva_al_checkout(cliente_comprador, producto):
    # From the product page only ``cantidad`` comes: the checkout to review, nothing written.
    for respuesta in (
        cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": "3"}),
        cliente_comprador.get(f"/ventas/comprar/{producto.pk}/?cantidad=3"),
    ):
        assert respuesta.status_code == 200
        pagina = respuesta.content.decode()
        assert "$300.00" in pagina and 'name="envio_direccion"' in pagina and 'name="metodo_pago"' in pagina
    _nada_escrito(producto)


@pytest.mark.parametrize(
    ("cambio", "campo", "mensaje"),
    [
        ({"envio_nombre": ""}, "envio_nombre", "nombre de quien recibe"),
        ({"envio_direccion": "  "}, "envio_direccion", "calle y el número"),
        ({"envio_ciudad": ""}, "envio_ciudad", "Escribe la ciudad"),
        ({"envio_codigo_postal": ""}, "envio_codigo_postal", "Escribe el código postal"),
        ({"envio_codigo_postal": "<b>"}, "envio_codigo_postal", "código postal válido"),
        ({"envio_telefono": "llámame"}, "envio_telefono", "teléfono válido"),
        ({"metodo_pago": "4242424242424242"}, "metodo_pago", "no llegaron bien"),
        ({"metodo_pago": "pm_card visa"}, "metodo_pago", "no llegaron bien"),
        ({"metodo_pago": ""}, "metodo_pago", "datos de tu tarjeta"),
        ({"direccion": "999999"}, "direccion", "no está entre las tuyas"),
    ],
)
def test_checkout_con_datos_malos_es_un_error_claro(cliente_comprador, producto, cambio, campo, mensaje):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="1", **cambio))
    assert respuesta.status_code == 400
    assert campo in respuesta.context["form"].errors
    assert mensaje in respuesta.content.decode()
    _nada_escrito(producto)


def test_una_direccion_guardada_se_elige_y_la_ajena_no(cliente_comprador, comprador, producto):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="1", guardar_direccion="on"))
    assert respuesta.status_code == 302
    direccion = DireccionEnvio.objects.get(usuario=comprador)
    assert (direccion.direccion, direccion.codigo_postal) == ("Av. Reforma 222, int. 3", "06600")
    assert (
        "Av. Reforma 222, int. 3"
        in cliente_comprador.get(f"/ventas/comprar/{producto.pk}/?cantidad=1").content.decode()
    )

    datos = {"cantidad": "1", "metodo_pago": VISA, "direccion": str(direccion.pk)}
    assert cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", datos).status_code == 302
    segunda = Venta.objects.latest("pk")
    assert (segunda.envio_nombre, segunda.envio_direccion) == ("Ana López", "Av. Reforma 222, int. 3")

    ajena = DireccionEnvio.objects.create(
        usuario=UsuarioFactory(username="vecina"), nombre="X", direccion="Y 1", ciudad="Z", codigo_postal="01000"
    )
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", {**datos, "direccion": str(ajena.pk)})
    assert respuesta.status_code == 400
    assert Venta.objects.count() == 2


@pytest.mark.parametrize(
    ("cantidad", "mensaje"),
    [
        ("0", "mayor o igual a 1"),
        ("-3", "mayor o igual a 1"),
        ("1000000000000", "menor o igual a 100"),
        ("dos", "número entero"),
        ("", "cuántas unidades"),
    ],
)
def test_cantidades_malas_son_un_error_de_formulario(cliente_comprador, producto, cantidad, mensaje):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad=cantidad))
    assert respuesta.status_code == 400
    assert mensaje in respuesta.content.decode()
    _nada_escrito(producto)


def test_sin_stock_es_un_mensaje_claro(cliente_comprador, producto):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="11"))
    assert respuesta.status_code == 409
    assert "Solo quedan 10 unidades" in respuesta.content.decode()
    _nada_escrito(producto)


def test_producto_desconocido_es_404(cliente_comprador, producto):
    assert cliente_comprador.post("/ventas/comprar/999999/", _pago(cantidad="1")).status_code == 404
    _nada_escrito(producto)


def test_comprar_sin_sesion_lleva_al_login(client, producto):
    respuesta = client.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="1"))
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith("/accounts/login/?next=")
    _nada_escrito(producto)


def test_comprar_sin_csrf_es_403(comprador, producto):
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(comprador)
    assert cliente.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="1")).status_code == 403
    _nada_escrito(producto)


def test_comprar_solo_por_get_o_post(cliente_comprador, producto):
    assert cliente_comprador.put(f"/ventas/comprar/{producto.pk}/").status_code == 405
    assert cliente_comprador.delete("/carrito/comprar/").status_code == 405


def test_un_vendedor_no_compra_lo_suyo(client, producto):
    client.force_login(producto.vendedor)
    respuesta = client.post(f"/ventas/comprar/{producto.pk}/", _pago(cantidad="1"))
    assert respuesta.status_code == 409
    assert "No puedes comprar tus propios productos" in respuesta.content.decode()
    _nada_escrito(producto)


def test_la_factura_y_la_venta_solo_para_comprador_vendedor_y_staff(client, comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    services.generar_factura_pdf(venta_id=venta.pk)
    urls = [f"/ventas/{venta.pk}/", f"/ventas/{venta.pk}/factura.pdf", f"/ventas/{venta.pk}/estado/"]

    client.force_login(UsuarioFactory(username="curioso"))
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    for usuario in (comprador, producto.vendedor, UsuarioFactory(username="jefa", is_staff=True)):
        client.force_login(usuario)
        assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert b"".join(client.get(urls[1]).streaming_content).startswith(b"%PDF")


def test_factura_aun_no_lista_es_404(cliente_comprador, comprador, producto):
    venta = comprar_y_pagar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    assert cliente_comprador.get(f"/ventas/{venta.pk}/factura.pdf").status_code == 404


def test_carrito_por_http(cliente_comprador, comprador, producto):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=2)
    cliente_comprador.post(f"/carrito/agregar/{producto.pk}/", {"cantidad": "2"})
    cliente_comprador.post(f"/carrito/agregar/{otro.pk}/", {"cantidad": "1"})
    pagina = cliente_comprador.get("/carrito/").content.decode()
    assert producto.nombre in pagina and otro.nombre in pagina

    checkout = cliente_comprador.get("/carrito/comprar/").content.decode()
    assert "$300.00" in checkout and producto.nombre in checkout and otro.nombre in checkout

    respuesta = cliente_comprador.post("/carrito/comprar/", _pago())
    venta = Venta.objects.get(comprador=comprador)  # one order for the whole cart
    assert (respuesta.status_code, respuesta["Location"]) == (302, f"/ventas/{venta.pk}/")
    assert sorted(venta.lineas.values_list("producto_id", "cantidad")) == sorted([(producto.pk, 2), (otro.pk, 1)])
    assert venta.total == Decimal("300.00")
    assert CarritoCompra.objects.get(usuario=comprador).comprado


def test_carrito_con_un_producto_desactivado_lo_dice(cliente_comprador, comprador, producto):
    cliente_comprador.post(f"/carrito/agregar/{producto.pk}/", {"cantidad": "2"})
    Producto.objects.filter(pk=producto.pk).update(activo=False)
    respuesta = cliente_comprador.post("/carrito/comprar/", _pago())
    assert respuesta.status_code == 409
    assert "ya no está a la venta" in respuesta.content.decode()
    _nada_escrito(producto)
    assert not CarritoCompra.objects.get(usuario=comprador).comprado


def test_carrito_con_datos_malos_no_escribe_nada(cliente_comprador, comprador, producto):
    cliente_comprador.post(f"/carrito/agregar/{producto.pk}/", {"cantidad": "2"})
    respuesta = cliente_comprador.post("/carrito/comprar/", _pago(envio_ciudad="", metodo_pago="x"))
    assert respuesta.status_code == 400
    assert {"envio_ciudad", "metodo_pago"} <= set(respuesta.context["form"].errors)
    _nada_escrito(producto)


def test_carrito_ajeno_es_404(client, comprador, producto):
    item = services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    client.force_login(UsuarioFactory(username="otro"))
    assert client.post(f"/carrito/items/{item.pk}/", {"cantidad": "0"}).status_code == 404
    assert selectors.carrito_abierto(comprador).items.count() == 1


def test_carrito_vacio_avisa(cliente_comprador):
    respuesta = cliente_comprador.post("/carrito/comprar/", _pago(), follow=True)
    assert "Tu carrito está vacío" in respuesta.content.decode()


def test_panel_de_vendedor(client, producto, comprador):
    client.force_login(comprador)
    assert client.get("/vendedor/").status_code == 403
    client.force_login(producto.vendedor)
    assert producto.nombre in client.get("/vendedor/").content.decode()


def test_seed_demo_es_idempotente(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Producto.objects.count() == 12
    assert Producto.objects.filter(stock__lte=F("stock_minimo") + 1).exists()
    cliente = Client()
    assert cliente.login(username="comprador", password="demo12345")
