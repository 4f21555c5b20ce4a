import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from notificaciones.models import Notificacion
from pruebas.factories import ProductoFactory, UsuarioFactory
from ventas import selectors, services
from ventas.models import CarritoCompra, Producto, Venta


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


def test_comprar_redirige_a_la_venta(cliente_comprador, producto):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": "1"})
    venta = Venta.objects.get()
    assert (respuesta.status_code, respuesta["Location"]) == (302, f"/ventas/{venta.pk}/")
    pagina = cliente_comprador.get(respuesta["Location"]).content.decode()
    assert venta.numero in pagina and "generándose" in pagina


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
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": cantidad})
    assert respuesta.status_code == 400
    assert mensaje in respuesta.content.decode()
    _nada_escrito(producto)


def test_sin_stock_es_un_mensaje_claro(cliente_comprador, producto):
    respuesta = cliente_comprador.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": "11"})
    assert respuesta.status_code == 409
    assert "Solo quedan 10 unidades" in respuesta.content.decode()
    _nada_escrito(producto)


def test_producto_desconocido_es_404(cliente_comprador, producto):
    assert cliente_comprador.post("/ventas/comprar/999999/", {"cantidad": "1"}).status_code == 404
    _nada_escrito(producto)


def test_comprar_sin_sesion_lleva_al_login(client, producto):
    respuesta = client.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": "1"})
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith("/accounts/login/?next=")
    _nada_escrito(producto)


def test_comprar_sin_csrf_es_403(comprador, producto):
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(comprador)
    assert cliente.post(f"/ventas/comprar/{producto.pk}/", {"cantidad": "1"}).status_code == 403
    _nada_escrito(producto)


def test_comprar_por_get_no_se_permite(cliente_comprador, producto):
    assert cliente_comprador.get(f"/ventas/comprar/{producto.pk}/").status_code == 405


def test_la_factura_y_la_venta_solo_para_comprador_vendedor_y_staff(client, comprador, producto, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    services.generar_factura_pdf(venta_id=venta.pk)
    urls = [f"/ventas/{venta.pk}/", f"/ventas/{venta.pk}/factura.pdf", f"/ventas/{venta.pk}/estado/"]

    client.force_login(UsuarioFactory(username="curioso"))
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    for usuario in (comprador, producto.vendedor, UsuarioFactory(username="jefa", is_staff=True)):
        client.force_login(usuario)
        assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert b"".join(client.get(urls[1]).streaming_content).startswith(b"%PDF")


def test_factura_aun_no_lista_es_404(cliente_comprador, comprador, producto):
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    assert cliente_comprador.get(f"/ventas/{venta.pk}/factura.pdf").status_code == 404


def test_carrito_por_http(cliente_comprador, comprador, producto):
    otro = ProductoFactory(vendedor=producto.vendedor, stock=2)
    cliente_comprador.post(f"/carrito/agregar/{producto.pk}/", {"cantidad": "2"})
    cliente_comprador.post(f"/carrito/agregar/{otro.pk}/", {"cantidad": "1"})
    pagina = cliente_comprador.get("/carrito/").content.decode()
    assert producto.nombre in pagina and otro.nombre in pagina

    respuesta = cliente_comprador.post("/carrito/comprar/")
    assert (respuesta.status_code, respuesta["Location"]) == (302, "/ventas/")
    assert Venta.objects.filter(comprador=comprador).count() == 2
    assert CarritoCompra.objects.get(usuario=comprador).comprado


def test_carrito_ajeno_es_404(client, comprador, producto):
    item = services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    client.force_login(UsuarioFactory(username="otro"))
    assert client.post(f"/carrito/items/{item.pk}/", {"cantidad": "0"}).status_code == 404
    assert selectors.carrito_abierto(comprador).items.count() == 1


def test_carrito_vacio_avisa(cliente_comprador):
    respuesta = cliente_comprador.post("/carrito/comprar/", follow=True)
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
