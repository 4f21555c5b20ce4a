"""/notificaciones/: every notification of the user, in pages, and "mark all as read" pushed to every tab."""

import re

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from notificaciones import services
from notificaciones.models import Notificacion
from pruebas.factories import UsuarioFactory

from .test_consumers import conectar_y_saludo


def _avisar(usuario, n: int, prefijo="Aviso"):
    for i in range(n):
        services.notificar(usuario=usuario, tipo="nueva_venta", titulo=f"{prefijo} {i}", datos={"venta_id": i + 1})


@pytest.mark.django_db
def test_lista_paginada_la_mas_nueva_primero_y_solo_las_suyas(client):
    ana, otro = UsuarioFactory(username="ana"), UsuarioFactory(username="otro_lista")
    _avisar(ana, 35)
    _avisar(otro, 2, prefijo="Ajeno")
    client.force_login(ana)
    primera = client.get("/notificaciones/").content.decode()
    titulos = re.findall(r">(Aviso \d+)<", primera)
    assert titulos[:3] == ["Aviso 34", "Aviso 33", "Aviso 32"] and len(titulos) == 30
    segunda = re.findall(r">(Aviso \d+)<", client.get("/notificaciones/?page=2").content.decode())
    assert segunda == [f"Aviso {i}" for i in range(4, -1, -1)]
    assert "Ajeno" not in primera
    assert 'href="/notificaciones/"' in primera  # the bell links here


@pytest.mark.django_db
def test_marcar_todas_pide_post_con_csrf(db):
    ana = UsuarioFactory(username="ana_csrf")
    _avisar(ana, 3)
    cliente = Client(enforce_csrf_checks=True)
    cliente.force_login(ana)
    assert cliente.get("/notificaciones/marcar-todas/").status_code == 405
    assert cliente.post("/notificaciones/marcar-todas/").status_code == 403
    assert Notificacion.objects.filter(usuario=ana, leida=False).count() == 3
    pagina = cliente.get("/notificaciones/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina).group(1)
    respuesta = cliente.post("/notificaciones/marcar-todas/", {"csrfmiddlewaretoken": token})
    assert respuesta.status_code == 302
    assert not Notificacion.objects.filter(usuario=ana, leida=False).exists()
    assert re.search(r'id="notificaciones-no-leidas"[^>]*>0<', cliente.get("/notificaciones/").content.decode())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cerrar_conexiones_de_hilos")
async def test_marcar_todas_actualiza_la_insignia_de_cada_pestana(vendedor, otro):
    await database_sync_to_async(_avisar)(vendedor, 4)
    await database_sync_to_async(_avisar)(otro, 1)
    pestana_1, saludo = await conectar_y_saludo(vendedor)
    pestana_2, _ = await conectar_y_saludo(vendedor)
    ajena, _ = await conectar_y_saludo(otro)
    assert saludo["no_leidas"] == 4
    for pestana in (pestana_1, pestana_2, ajena):  # the replay of unread rows on connect
        while not await pestana.receive_nothing(timeout=0.3):
            await pestana.receive_json_from()

    def marcar():
        cliente = Client()
        cliente.force_login(vendedor)
        return cliente.post("/notificaciones/marcar-todas/")

    assert (await database_sync_to_async(marcar)()).status_code == 302
    for pestana in (pestana_1, pestana_2):
        assert await pestana.receive_json_from(timeout=5) == {"type": "notificaciones_leidas", "no_leidas": 0}
    assert await ajena.receive_nothing(timeout=0.5)
    for pestana in (pestana_1, pestana_2, ajena):
        await pestana.disconnect()
