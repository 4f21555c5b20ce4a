"""The consumer through the project's real ASGI stack (origin check, sessions, auth)
and the real Redis channel layer, driven by channels.testing.WebsocketCommunicator."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from myproject.asgi import application
from notificaciones import capa, services
from notificaciones.consumers import MAX_FRAME, NO_AUTENTICADO
from notificaciones.models import Notificacion
from pruebas.procesos import cookie_de_sesion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cerrar_conexiones_de_hilos")]

ORIGEN = b"http://127.0.0.1"


async def conectar(usuario=None, *, origen=ORIGEN, query=""):
    """Open a socket as ``usuario`` (anonymous if None) and return (communicator, connected, code)."""
    cabeceras = [(b"origin", origen)] if origen else []
    if usuario is not None:
        cookie = await database_sync_to_async(cookie_de_sesion)(usuario)
        cabeceras.append((b"cookie", cookie.encode()))
    ruta = "/ws/notificaciones/" + (f"?{query}" if query else "")
    comunicador = WebsocketCommunicator(application, ruta, headers=cabeceras)
    conectado, codigo = await comunicador.connect()
    return comunicador, conectado, codigo


async def conectar_y_saludo(usuario, **kwargs):
    comunicador, conectado, codigo = await conectar(usuario, **kwargs)
    assert conectado, codigo
    saludo = await comunicador.receive_json_from()
    assert saludo["type"] == "connection_established"
    return comunicador, saludo


notificar = database_sync_to_async(services.notificar)


async def nueva(usuario, titulo="Nueva venta", **datos):
    return await notificar(usuario=usuario, tipo="nueva_venta", titulo=titulo, mensaje="m", datos=datos)


@database_sync_to_async
def leida(notificacion_id):
    return Notificacion.objects.get(pk=notificacion_id).leida


async def test_anonimo_rechazado():
    comunicador, conectado, codigo = await conectar(None)
    assert not conectado
    assert codigo == NO_AUTENTICADO
    await comunicador.disconnect()


async def test_origen_ajeno_rechazado(vendedor):
    for origen in (b"http://evil.example", None):
        comunicador, conectado, _ = await conectar(vendedor, origen=origen)
        assert not conectado, origen
        await comunicador.disconnect()


async def test_cada_usuario_recibe_solo_lo_suyo(vendedor, otro):
    a, saludo = await conectar_y_saludo(vendedor)
    b, _ = await conectar_y_saludo(otro)
    assert saludo == {"type": "connection_established", "usuario": "vendedor_ws", "no_leidas": 0}

    fila = await nueva(vendedor, "Para el vendedor", monto="25.00", venta_id=7)

    mensaje = await a.receive_json_from(timeout=5)
    assert mensaje["type"] == "nueva_venta" and mensaje["id"] == fila.pk
    assert mensaje["titulo"] == "Para el vendedor" and mensaje["monto"] == "25.00" and mensaje["venta_id"] == 7
    assert mensaje["no_leidas"] == 1 and mensaje["leida"] is False and "timestamp" in mensaje
    assert "replay" not in mensaje
    assert await b.receive_nothing(timeout=0.5)
    await a.disconnect()
    await b.disconnect()


async def test_los_datos_no_pisan_id_ni_tipo(vendedor):
    a, _ = await conectar_y_saludo(vendedor)
    fila = await nueva(vendedor, id=999999, type="otra_cosa")
    mensaje = await a.receive_json_from(timeout=5)
    assert (mensaje["id"], mensaje["type"]) == (fila.pk, "nueva_venta")
    await a.disconnect()


async def test_marcar_leida_ajena_no_cambia_nada(vendedor, otro):
    fila = await nueva(vendedor)
    a, _ = await conectar_y_saludo(vendedor)
    assert (await a.receive_json_from())["id"] == fila.pk  # replayed (unread)
    b, saludo_b = await conectar_y_saludo(otro)
    assert saludo_b["no_leidas"] == 0

    await b.send_json_to({"action": "marcar_leida", "notificacion_id": fila.pk})

    assert await b.receive_nothing(timeout=0.5)
    assert await a.receive_nothing(timeout=0.1)
    assert not await leida(fila.pk)
    await a.disconnect()
    await b.disconnect()


async def test_marcar_leida_propia_avisa_a_todas_las_pestanas(vendedor):
    fila = await nueva(vendedor)
    await nueva(vendedor)
    pestanas = []
    for _ in range(2):
        pestana, saludo = await conectar_y_saludo(vendedor)
        assert saludo["no_leidas"] == 2
        await pestana.receive_json_from()
        await pestana.receive_json_from()
        pestanas.append(pestana)

    await pestanas[0].send_json_to({"action": "marcar_leida", "notificacion_id": fila.pk})

    for pestana in pestanas:
        assert await pestana.receive_json_from(timeout=5) == {
            "type": "notificacion_leida",
            "id": fila.pk,
            "no_leidas": 1,
        }
    assert await leida(fila.pk)
    # Marking it again changes nothing and broadcasts nothing.
    await pestanas[1].send_json_to({"action": "marcar_leida", "notificacion_id": fila.pk})
    assert await pestanas[0].receive_nothing(timeout=0.5)
    for pestana in pestanas:
        await pestana.disconnect()


@pytest.mark.parametrize(
    "marco",
    [
        "{no es json",
        "x" * (MAX_FRAME + 1),
        json.dumps({"action": "marcar_leida", "notificacion_id": 1, "relleno": "ñ" * MAX_FRAME}),
        json.dumps({"action": "borrar_todo"}),
        json.dumps([1, 2, 3]),
        json.dumps({"action": "marcar_leida", "notificacion_id": "1"}),
        json.dumps({"action": "marcar_leida", "notificacion_id": True}),
        json.dumps({"action": "marcar_leida"}),
    ],
    ids=["json_roto", "marco_enorme", "marco_enorme_multibyte", "accion_desconocida", "no_objeto", "id_texto",
         "id_booleano", "sin_id"],
)  # fmt: skip
async def test_mensajes_malos_reciben_error_y_el_socket_sigue(vendedor, marco):
    a, _ = await conectar_y_saludo(vendedor)

    await a.send_to(text_data=marco)
    respuesta = await a.receive_json_from()
    assert respuesta["type"] == "error" and respuesta["mensaje"]

    await a.send_json_to({"action": "ping"})
    assert await a.receive_json_from() == {"type": "pong"}
    fila = await nueva(vendedor)
    assert (await a.receive_json_from(timeout=5))["id"] == fila.pk
    await a.disconnect()


async def test_binario_recibe_error(vendedor):
    a, _ = await conectar_y_saludo(vendedor)
    await a.send_to(bytes_data=b"\x00\x01")
    assert (await a.receive_json_from())["type"] == "error"
    await a.disconnect()


@database_sync_to_async
def _marcar(fila):
    Notificacion.objects.filter(pk=fila.pk).update(leida=True)


async def test_al_conectar_se_repiten_las_no_leidas_una_vez(vendedor, otro):
    vieja = await nueva(vendedor, "vieja")
    await _marcar(vieja)
    primera = await nueva(vendedor, "primera")
    segunda = await nueva(vendedor, "segunda")
    await nueva(otro, "de otro")

    a, saludo = await conectar_y_saludo(vendedor)

    assert saludo["no_leidas"] == 2
    repetidas = [await a.receive_json_from(), await a.receive_json_from()]
    assert [(m["id"], m["titulo"], m["replay"]) for m in repetidas] == [
        (primera.pk, "primera", True),
        (segunda.pk, "segunda", True),
    ]
    # A push of a row this socket just replayed (committed between joining the group
    # and reading the replay) is not sent twice.
    await get_channel_layer().group_send(
        capa.grupo_usuario(vendedor.pk), {"type": "notificacion.enviar", "notificacion": repetidas[1]}
    )
    assert await a.receive_nothing(timeout=0.5)
    tercera = await nueva(vendedor, "tercera")
    assert (await a.receive_json_from(timeout=5))["id"] == tercera.pk
    assert await a.receive_nothing(timeout=0.3)
    await a.disconnect()


async def test_despues_de_retoma_desde_el_ultimo_visto(vendedor):
    vista = await nueva(vendedor, "vista")
    leida_mientras = await nueva(vendedor, "leída en otra pestaña mientras tanto")
    await _marcar(vista)
    await _marcar(leida_mientras)
    nueva_fila = await nueva(vendedor, "nueva")

    a, saludo = await conectar_y_saludo(vendedor, query=f"despues_de={vista.pk}")

    assert saludo["no_leidas"] == 1
    recibidas = [await a.receive_json_from(), await a.receive_json_from()]
    assert [(m["id"], m["leida"]) for m in recibidas] == [(leida_mientras.pk, True), (nueva_fila.pk, False)]
    assert await a.receive_nothing(timeout=0.3)
    await a.disconnect()

    # A garbage or negative resume point falls back to "unread only" / "everything".
    b, _ = await conectar_y_saludo(vendedor, query="despues_de=abc")
    assert [(await b.receive_json_from())["id"]] == [nueva_fila.pk]
    assert await b.receive_nothing(timeout=0.3)
    await b.disconnect()
