"""Script payloads in product names, product descriptions and upload descriptions are inert
in every page that shows them and in every HTML email (rendered by the real services into
the SMTP test server). The live popup is covered by notificaciones/tests/test_navegador.py."""

import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from pruebas.factories import ImagenUsuarioFactory, ProductoFactory, UsuarioFactory
from pruebas.pedidos import comprar_y_pagar
from ventas import reportes, services
from ventas.models import CarritoCompra

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

CARGAS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>']
# What would make any of them live: a tag opening, whatever escaping surrounds it.
VIVO = re.compile(r"<(img src=x|script>alert|svg onload)", re.IGNORECASE)


def _inerte(html: str, donde: str, *, mostrados: list[str]) -> None:
    assert not VIVO.search(html), f"{donde}: live payload {VIVO.search(html).group(0)!r}"
    for carga in mostrados:
        assert escape(carga) in html, f"{donde}: {carga!r} not shown escaped"


@pytest.fixture
def tienda(settings):
    settings.MANAGERS_EMAILS = ["gerencia@example.com"]
    vendedor = UsuarioFactory(username="vendedora", email="vendedora@example.com", is_staff=True)
    comprador = UsuarioFactory(username="comprador", email="comprador@example.com")
    productos = [
        ProductoFactory(
            vendedor=vendedor,
            nombre=carga,
            descripcion=f"Descripción {carga} fin",
            stock=10,
            stock_minimo=9,
        )
        for carga in CARGAS
    ]
    ventas = [comprar_y_pagar(comprador=comprador, producto_id=p.pk, cantidad=1) for p in productos]
    for producto in productos:
        services.agregar_al_carrito(usuario=comprador, producto_id=producto.pk, cantidad=1)
    imagenes = [ImagenUsuarioFactory(usuario=vendedor, descripcion=carga) for carga in CARGAS]
    return {
        "vendedor": vendedor,
        "comprador": comprador,
        "productos": productos,
        "ventas": ventas,
        "imagenes": imagenes,
    }


def test_las_paginas_muestran_las_cargas_como_texto(client, tienda):
    reportes.actualizar_estadisticas()
    client.force_login(tienda["comprador"])
    paginas = {
        "catálogo": "/",
        "búsqueda": "/?q=alert",
        "carrito": "/carrito/",
        "mis compras": "/ventas/",
        **{f"venta {v.numero}": f"/ventas/{v.pk}/" for v in tienda["ventas"]},
    }
    for donde, url in paginas.items():
        respuesta = client.get(url)
        assert respuesta.status_code == 200, donde
        _inerte(respuesta.content.decode(), donde, mostrados=CARGAS if "venta " not in donde else [])
    for venta in tienda["ventas"]:
        _inerte(
            client.get(f"/ventas/{venta.pk}/").content.decode(),
            venta.numero,
            mostrados=[venta.lineas.get().producto.nombre],
        )
    for producto in tienda["productos"]:
        html = client.get(f"/productos/{producto.pk}/").content.decode()
        _inerte(html, f"producto {producto.pk}", mostrados=[producto.nombre, producto.descripcion])

    client.force_login(tienda["vendedor"])
    for donde, url in {
        "panel del vendedor": "/vendedor/",
        "estadísticas": "/estadisticas/",
        "galería": "/imagenes/",
    }.items():
        respuesta = client.get(url)
        assert respuesta.status_code == 200, donde
        _inerte(respuesta.content.decode(), donde, mostrados=CARGAS)
    for imagen in tienda["imagenes"]:
        html = client.get(f"/imagenes/{imagen.pk}/").content.decode()
        _inerte(html, f"imagen {imagen.pk}", mostrados=[imagen.descripcion])


def _html(mensaje) -> str:
    return mensaje.get_body(("html",)).get_content()


def test_los_emails_html_muestran_las_cargas_como_texto(tienda, buzon):
    for venta in tienda["ventas"]:
        assert services.enviar_email_confirmacion(venta_id=venta.pk)
    for producto in tienda["productos"]:
        assert services.notificar_stock_bajo(producto_id=producto.pk, cruce=1)
    carrito = CarritoCompra.objects.get(usuario=tienda["comprador"], comprado=False)
    CarritoCompra.objects.filter(pk=carrito.pk).update(recordatorio_enviado=timezone.now())
    assert services.enviar_recordatorio_carrito(carrito_id=carrito.pk)
    # The daily report names sellers, not products: a seller whose username carries a payload
    # (the signup validator forbids it; an import or the admin shell would not).
    intruso = UsuarioFactory(username=CARGAS[0])
    otro = ProductoFactory(vendedor=intruso, stock=5)
    comprar_y_pagar(comprador=tienda["comprador"], producto_id=otro.pk, cantidad=1)
    assert reportes.generar_reporte_diario(fecha=timezone.now().astimezone(reportes.zona()).date())

    confirmaciones = buzon.para("comprador@example.com")
    for venta in tienda["ventas"]:
        [email] = [m for m in confirmaciones if venta.numero in m["Subject"]]
        _inerte(_html(email), f"confirmación {venta.numero}", mostrados=[venta.lineas.get().producto.nombre])
    for producto in tienda["productos"]:
        [email] = [m for m in buzon.mensajes if m["Subject"] == f"Stock bajo: {producto.nombre}"]
        _inerte(_html(email), f"stock bajo {producto.pk}", mostrados=[producto.nombre])
    [recordatorio] = [m for m in confirmaciones if "carrito" in m["Subject"]]
    _inerte(_html(recordatorio), "recordatorio de carrito", mostrados=CARGAS)
    [reporte] = buzon.para("gerencia@example.com")
    _inerte(_html(reporte), "reporte diario", mostrados=[CARGAS[0]])
