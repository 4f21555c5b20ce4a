"""Server-rendered parts: the nav badge on every page, the client script only for users."""

import re

import pytest

from notificaciones import services
from pruebas.factories import ProductoFactory, UsuarioFactory

pytestmark = pytest.mark.django_db


def insignia(html: str) -> str | None:
    encontrada = re.search(r'id="notificaciones-no-leidas"[^>]*>(\d+)<', html)
    return encontrada and encontrada.group(1)


def test_cada_pagina_muestra_las_no_leidas_del_usuario(client):
    usuario = UsuarioFactory()
    otro = UsuarioFactory()
    for _ in range(2):
        services.notificar(usuario=usuario, tipo="nueva_venta", titulo="t")
    services.notificar(usuario=otro, tipo="nueva_venta", titulo="t")
    leida = services.notificar(usuario=usuario, tipo="nueva_venta", titulo="t")
    services.marcar_leida(usuario_id=usuario.pk, notificacion_id=leida.pk)
    client.force_login(usuario)

    for url in ("/", "/carrito/", "/ventas/"):
        html = client.get(url).content.decode()
        assert insignia(html) == "2", url
        assert "/static/js/notificaciones.js" in html


def test_anonimo_no_tiene_insignia_ni_socket(client):
    html = client.get("/").content.decode()
    assert insignia(html) is None
    assert "notificaciones.js" not in html


def test_el_panel_sabe_hasta_que_notificacion_esta_al_dia(client):
    vendedor = UsuarioFactory()
    ProductoFactory(vendedor=vendedor)
    services.notificar(usuario=UsuarioFactory(), tipo="nueva_venta", titulo="t")  # another user's: not counted
    services.notificar(usuario=vendedor, tipo="nueva_venta", titulo="t")
    ultima = services.notificar(usuario=vendedor, tipo="nueva_venta", titulo="t")
    client.force_login(vendedor)

    html = client.get("/vendedor/").content.decode()

    # The page's resume point is the seller's sequence, the one the client tracks.
    assert ultima.secuencia == 2
    assert f'data-ultima-secuencia="{ultima.secuencia}"' in html
    assert "/static/js/panel_vendedor.js" in html
