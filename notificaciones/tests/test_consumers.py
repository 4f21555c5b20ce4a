"""The consumer through the project's real ASGI stack (origin check, sessions, auth)
and the real Redis channel layer, driven by channels.testing.WebsocketCommunicator."""

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from myproject.asgi import application
from notificaciones import capa, services
from notificaciones.consumers import MAX_FRAME, NO_AUTENTICADO, REENVIO_CADA, NotificacionesConsumer
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


async def _vista_leida_mientras_y_nueva(vendedor):
    """Return a seen row, one read in another tab meanwhile, and a new unread one."""
    vista = await nueva(vendedor, "vista")
    leida_mientras = await nueva(vendedor, "leída en otra pestaña mientras tanto")
    await _marcar(vista)
    await _marcar(leida_mientras)
    return vista, leida_mientras, await nueva(vendedor, "nueva")


async def test_despues_de_retoma_desde_el_ultimo_visto(vendedor):
    vista, leida_mientras, nueva_fila = await _vista_leida_mientras_y_nueva(vendedor)

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


# The per-user sequence (protocol 2)
# ------------------------------------------------------------------------------


async def test_con_protocolo_2_el_saludo_da_la_secuencia_y_despues_de_la_cuenta(vendedor, otro):
    for _ in range(3):
        await nueva(otro)  # ids and sequences now differ
    vista, leida_mientras, nueva_fila = await _vista_leida_mientras_y_nueva(vendedor)

    a, saludo = await conectar_y_saludo(vendedor, query=f"protocolo=2&despues_de={vista.secuencia}")

    assert saludo == {"type": "connection_established", "usuario": "vendedor_ws", "no_leidas": 1, "secuencia": 3}
    recibidas = [await a.receive_json_from(), await a.receive_json_from()]
    assert [(m["id"], m["secuencia"], m["leida"]) for m in recibidas] == [
        (leida_mientras.pk, 2, True),
        (nueva_fila.pk, 3, False),
    ]
    assert await a.receive_nothing(timeout=0.3)
    viva = await nueva(vendedor, "en vivo")
    mensaje = await a.receive_json_from(timeout=5)
    assert (mensaje["id"], mensaje["secuencia"], "replay" in mensaje) == (viva.pk, 4, False)
    await a.disconnect()


async def test_reenviar_manda_lo_que_falta_y_dice_hasta_donde(vendedor, otro):
    filas = [await nueva(vendedor, f"n{i}") for i in range(3)]
    for fila in filas:
        await _marcar(fila)
    await nueva(otro)
    a, _ = await conectar_y_saludo(vendedor, query="protocolo=2&despues_de=3")
    assert await a.receive_nothing(timeout=0.3)  # all seen and read: no replay

    await a.send_json_to({"action": "reenviar", "despues_de": 1})

    repetidas = [await a.receive_json_from(), await a.receive_json_from()]
    assert [(m["id"], m["secuencia"], m["replay"]) for m in repetidas] == [
        (filas[1].pk, 2, True),
        (filas[2].pk, 3, True),
    ]
    assert await a.receive_json_from() == {"type": "reenvio_completo", "hasta": 3}
    for malo in ["1", None, True, 1.5]:
        await a.send_json_to({"action": "reenviar", "despues_de": malo})
        assert (await a.receive_json_from())["type"] == "error", malo
    # A second request within REENVIO_CADA waits its turn instead of hitting the database again.
    inicio = time.monotonic()
    await a.send_json_to({"action": "reenviar", "despues_de": 3})
    assert await a.receive_json_from(timeout=5) == {"type": "reenvio_completo", "hasta": 3}
    assert time.monotonic() - inicio >= REENVIO_CADA * 0.9
    await a.disconnect()


async def test_un_consumidor_atascado_mas_que_la_expiracion_avisa_y_se_recupera_todo(
    vendedor, expiry_corta, monkeypatch
):
    original = NotificacionesConsumer.notificacion_enviar
    atascado = asyncio.Event()

    async def lento(self, evento):
        if not atascado.is_set():
            atascado.set()
            await asyncio.sleep(expiry_corta * 2.5)  # this socket reads nothing meanwhile
        await original(self, evento)

    monkeypatch.setattr(NotificacionesConsumer, "notificacion_enviar", lento)
    a, saludo = await conectar_y_saludo(vendedor, query="protocolo=2")
    assert saludo["secuencia"] == 0

    primera = await nueva(vendedor, "primera")
    await asyncio.wait_for(atascado.wait(), 5)
    perdidas = [await nueva(vendedor, "perdida 1"), await nueva(vendedor, "perdida 2")]

    assert (await a.receive_json_from(timeout=10))["id"] == primera.pk
    assert await a.receive_json_from(timeout=5) == {"type": "posible_perdida"}
    assert await a.receive_nothing(timeout=1)  # both pushes expired in Redis: never delivered
    await a.send_json_to({"action": "reenviar", "despues_de": 1})
    recuperadas = [await a.receive_json_from(timeout=5), await a.receive_json_from(timeout=5)]
    assert [(m["id"], m["secuencia"], m["replay"]) for m in recuperadas] == [
        (perdidas[0].pk, 2, True),
        (perdidas[1].pk, 3, True),
    ]
    assert await a.receive_json_from() == {"type": "reenvio_completo", "hasta": 3}
    # Live pushes carry on, and a quick handler does not raise the alarm.
    siguiente = await nueva(vendedor, "siguiente")
    assert (await a.receive_json_from(timeout=5))["secuencia"] == 4 == siguiente.secuencia
    assert await a.receive_nothing(timeout=0.5)
    await a.disconnect()
