"""The catalog: accent- and case-blind search over name and description, pages without
duplicates or gaps under every order, and the products' photos."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from pruebas.factories import ImagenUsuarioFactory, ProductoFactory
from ventas.views import PRODUCTOS_POR_PAGINA

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="tarjeta" data-producto="(\d+)"', html)]


def test_cafe_encuentra_cafe_de_chiapas(client):
    cafe = ProductoFactory(nombre="Café de Chiapas", descripcion="Grano entero")
    taza = ProductoFactory(nombre="Taza de barro", descripcion="Ideal para el CAFÉ de olla")
    ProductoFactory(nombre="Chocolate", descripcion="Cacao")
    ProductoFactory(nombre="Café apagado", activo=False)
    for consulta, esperados in {
        "cafe": {cafe.pk, taza.pk},
        "CAFE": {cafe.pk, taza.pk},
        "café": {cafe.pk, taza.pk},
        "  Cafe   chiapas ": {cafe.pk},
        "olla": {taza.pk},
        "niño": set(),
    }.items():
        assert set(_ids(client.get("/", {"q": consulta}).content.decode())) == esperados, consulta


def test_la_busqueda_sigue_al_guardar(client):
    producto = ProductoFactory(nombre="Miel")
    producto.nombre, producto.descripcion = "Miel melipona", "De Yucatán"
    producto.save(update_fields=["nombre", "descripcion"])
    assert _ids(client.get("/", {"q": "yucatan"}).content.decode()) == [producto.pk]


@pytest.mark.parametrize("orden", ["", "precio", "-precio", "nuevos", "desconocido"])
def test_las_paginas_no_repiten_ni_pierden_productos(client, orden):
    # Ties on purpose: a third of them share price and creation time, so only the final pk orders them.
    momento = timezone.now()
    productos = [
        ProductoFactory(nombre=f"Artículo {i % 5}", precio=Decimal(10 + i % 3))
        for i in range(2 * PRODUCTOS_POR_PAGINA + 7)
    ]
    type(productos[0]).objects.filter(pk__in=[p.pk for p in productos[::3]]).update(creado=momento)
    vistos = []
    for pagina in (1, 2, 3):
        vistos += _ids(client.get("/", {"orden": orden, "page": pagina}).content.decode())
    assert sorted(vistos) == sorted(p.pk for p in productos)  # each once
    if orden in ("precio", "-precio"):
        precios = [next(p.precio for p in productos if p.pk == i) for i in vistos]
        assert precios == sorted(precios, reverse=orden == "-precio")
    assert (
        _ids(client.get("/", {"orden": orden, "page": 99}).content.decode()) == vistos[-7:]
    )  # past the end: the last page


def test_tarjeta_con_foto_640_y_srcset(client):
    producto = ProductoFactory(nombre="Rebozo")
    foto = ImagenUsuarioFactory(
        usuario=producto.vendedor,
        producto=producto,
        estado="lista",
        archivo_thumbnail="imagenes/procesadas/x/thumbnail.jpg",
        archivo_medium="imagenes/procesadas/x/medium.jpg",
        archivo_large="imagenes/procesadas/x/large.jpg",
        metadatos={"ancho": 2000, "alto": 1000},
    )
    ImagenUsuarioFactory(usuario=producto.vendedor, producto=producto, estado="revision")  # not shown
    html = client.get("/").content.decode()
    assert f'src="/imagenes/{foto.pk}/medium.jpg"' in html
    assert (
        f'srcset="/imagenes/{foto.pk}/thumbnail.jpg 150w, /imagenes/{foto.pk}/medium.jpg 640w, '
        f'/imagenes/{foto.pk}/large.jpg 1080w"'
    ) in html
    pagina = client.get(producto.get_absolute_url()).content.decode()
    assert f'src="/imagenes/{foto.pk}/medium.jpg"' in pagina and 'alt="Rebozo"' in pagina


def test_seed_demo_da_una_foto_lista_a_cada_producto_una_sola_vez(client):
    from django.core.management import call_command
    from PIL import Image

    from imagenes.models import ImagenUsuario
    from ventas.models import Producto

    call_command("seed_demo")
    call_command("seed_demo")
    productos = Producto.objects.all()
    assert productos.count() == 12
    assert ImagenUsuario.objects.filter(estado="lista").count() == 12
    for producto in productos:
        foto = producto.fotos.get()
        assert foto.usable and foto.usuario == producto.vendedor
        with foto.archivo_medium.open("rb") as f:
            assert max(Image.open(f).size) == 640
    html = client.get("/", {"q": "cafe"}).content.decode()
    cafe = Producto.objects.get(nombre__startswith="Café de Chiapas")
    assert f'src="/imagenes/{cafe.fotos.get().pk}/medium.jpg"' in html
    assert client.get(f"/imagenes/{cafe.fotos.get().pk}/large.jpg").status_code == 200
