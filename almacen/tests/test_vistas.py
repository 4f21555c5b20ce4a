"""The warehouse page, its actions and the buyer's cancel: who may, CSRF, clear refusals. No stack needed."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from almacen import services
from pruebas.factories import UsuarioFactory
from ventas.models import MovimientoInventario, Venta

ACCIONES = ["preparar", "enviar", "entregar"]


def test_solo_el_almacen_entra_y_mueve_pedidos(client, comprador, vendedor, almacenista, venta_pagada):
    venta = venta_pagada()
    assert client.get("/almacen/").status_code == 302  # anonymous: to the login
    for ajeno in (comprador, vendedor):
        client.force_login(ajeno)
        assert client.get("/almacen/").status_code == 403
        assert client.get(f"/almacen/ventas/{venta.pk}/remision.pdf").status_code == 403
        for accion in ACCIONES:
            respuesta = client.post(f"/almacen/ventas/{venta.pk}/{accion}/", {"transportista": "X", "guia": "1"})
            assert respuesta.status_code == 403
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PAGADA

    client.force_login(almacenista)
    pagina = client.get("/almacen/")
    assert pagina.status_code == 200
    assert venta.numero in pagina.text and "Av. Reforma 222" in pagina.text and "2</strong> × Molcajete" in pagina.text
    assert "420" not in pagina.text  # no prices for the warehouse


def test_la_remision_tiene_lineas_y_direccion_sin_precios(client, almacenista, venta_pagada):
    venta = venta_pagada()
    client.force_login(almacenista)
    respuesta = client.get(f"/almacen/ventas/{venta.pk}/remision.pdf")
    assert respuesta.status_code == 200 and respuesta["Content-Type"] == "application/pdf"
    texto = "".join(pagina.extract_text() for pagina in PdfReader(io.BytesIO(respuesta.content)).pages)
    assert venta.numero in texto and "Molcajete" in texto and "Av. Reforma 222" in texto and "06600" in texto
    assert "420" not in texto and "$" not in texto


def test_cada_accion_pide_csrf(almacenista, comprador, venta_pagada):
    venta = venta_pagada()
    estricto = Client(enforce_csrf_checks=True)
    estricto.force_login(almacenista)
    for accion in ACCIONES:
        assert (
            estricto.post(f"/almacen/ventas/{venta.pk}/{accion}/", {"transportista": "X", "guia": "1"}).status_code
            == 403
        )
    estricto.force_login(comprador)
    assert estricto.post(f"/ventas/{venta.pk}/cancelar/").status_code == 403
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PAGADA


def test_el_almacen_avanza_paso_a_paso_y_se_le_explica_el_rechazo(client, almacenista, venta_pagada):
    venta = venta_pagada()
    client.force_login(almacenista)
    enviar = f"/almacen/ventas/{venta.pk}/enviar/"
    respuesta = client.post(enviar, {"transportista": "DHL", "guia": "123"}, follow=True)
    assert "no se puede enviar" in respuesta.text
    client.post(f"/almacen/ventas/{venta.pk}/preparar/")
    respuesta = client.post(enviar, {"transportista": "DHL", "guia": " "}, follow=True)
    assert "Indica el transportista y el número de guía." in respuesta.text
    client.post(enviar, {"transportista": "DHL", "guia": "JJD000123"})
    client.post(f"/almacen/ventas/{venta.pk}/entregar/")
    venta.refresh_from_db()
    assert (venta.estado, venta.transportista, venta.guia) == (Venta.Estado.ENTREGADA, "DHL", "JJD000123")
    assert venta.fecha_preparada <= venta.fecha_enviada <= venta.fecha_entregada


def test_solo_el_comprador_cancela_y_con_confirmacion(client, comprador, venta_pagada, producto):
    venta = venta_pagada()
    client.force_login(UsuarioFactory(username="otra_persona"))
    assert client.get(f"/ventas/{venta.pk}/cancelar/").status_code == 404
    assert client.post(f"/ventas/{venta.pk}/cancelar/").status_code == 404
    client.force_login(comprador)
    confirmacion = client.get(f"/ventas/{venta.pk}/cancelar/")
    assert "Sí, cancelar el pedido" in confirmacion.text
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.PAGADA  # the GET only asks
    assert client.post(f"/ventas/{venta.pk}/cancelar/").status_code == 302
    venta.refresh_from_db()
    assert venta.estado == Venta.Estado.CANCELADA and venta.fecha_cancelada
    devoluciones = MovimientoInventario.objects.filter(venta=venta, motivo=MovimientoInventario.Motivo.DEVOLUCION)
    assert [(m.producto_id, m.cantidad) for m in devoluciones] == [(producto.pk, 2)]
    # Again: refused with a reason, nothing returned twice.
    respuesta = client.post(f"/ventas/{venta.pk}/cancelar/", follow=True)
    assert "ya está cancelado" in respuesta.text
    assert devoluciones.count() == 1


def test_el_comprador_no_cancela_lo_enviado(client, comprador, venta_pagada):
    venta = venta_pagada(Venta.Estado.ENVIADA, transportista="Estafeta", guia="E1")
    client.force_login(comprador)
    respuesta = client.post(f"/ventas/{venta.pk}/cancelar/", follow=True)
    assert "ya salió del almacén" in respuesta.text
    estado = client.get(f"/ventas/{venta.pk}/estado/").json()
    assert (estado["estado"], estado["guia"], estado["cancelable"]) == ("enviada", "E1", False)


@pytest.mark.parametrize("accion", ["preparar", "enviar"])
def test_el_almacen_sabe_que_se_cancelo(almacenista, venta_pagada, accion):
    venta = venta_pagada(Venta.Estado.CANCELADA)
    with pytest.raises(services.TransicionInvalida, match="fue cancelado; no lo prepares ni lo envíes"):
        if accion == "preparar":
            services.preparar(venta_id=venta.pk)
        else:
            services.enviar(venta_id=venta.pk, transportista="DHL", guia="1")


def test_seed_demo_deja_al_usuario_almacen_en_su_grupo(db):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    cliente = Client()
    assert cliente.login(username="almacen", password="demo12345")
    assert cliente.get("/almacen/").status_code == 200
    assert cliente.get("/vendedor/").status_code == 403
