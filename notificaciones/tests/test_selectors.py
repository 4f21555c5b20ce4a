"""What a page that saw a hole in the sequence gets back, and where its answer ends."""

import pytest

from notificaciones import selectors, services
from notificaciones.models import Notificacion
from pruebas.factories import UsuarioFactory

pytestmark = pytest.mark.django_db


def _notificaciones(usuario, cuantas: int) -> list[Notificacion]:
    return [services.notificar(usuario=usuario, tipo="nueva_venta", titulo=f"n{i}") for i in range(cuantas)]


def test_reenvio_devuelve_lo_posterior_y_cubre_hasta_la_ultima():
    usuario = UsuarioFactory()
    filas = _notificaciones(usuario, 5)
    _notificaciones(UsuarioFactory(), 3)
    Notificacion.objects.filter(pk=filas[3].pk).delete()  # number 4 will never come

    resultado = selectors.reenvio(usuario_id=usuario.pk, despues_de=2)

    assert [(m["secuencia"], m["replay"]) for m in resultado.mensajes] == [(3, True), (5, True)]
    assert resultado.hasta == 5
    assert selectors.reenvio(usuario_id=usuario.pk, despues_de=5) == selectors.Reenvio(mensajes=[], hasta=5)
    # The last one deleted: its number is still covered, so the page stops asking.
    Notificacion.objects.filter(pk=filas[4].pk).delete()
    assert selectors.reenvio(usuario_id=usuario.pk, despues_de=3).hasta == 5


def test_reenvio_cortado_cubre_solo_hasta_su_ultima_fila(monkeypatch):
    monkeypatch.setattr(selectors, "MAX_REPLAY", 2)
    usuario = UsuarioFactory()
    _notificaciones(usuario, 5)

    resultado = selectors.reenvio(usuario_id=usuario.pk, despues_de=1)

    assert [m["secuencia"] for m in resultado.mensajes] == [2, 3]
    assert resultado.hasta == 3


def test_pendientes_por_secuencia_y_por_id():
    usuario = UsuarioFactory()
    _notificaciones(UsuarioFactory(), 4)  # ids and sequences now differ
    vista, leida_mientras, nueva = _notificaciones(usuario, 3)
    Notificacion.objects.filter(pk__in=[vista.pk, leida_mientras.pk]).update(leida=True)

    por_secuencia = selectors.pendientes(usuario_id=usuario.pk, despues_de=vista.secuencia, por_secuencia=True)
    por_id = selectors.pendientes(usuario_id=usuario.pk, despues_de=vista.pk)

    assert vista.pk != vista.secuencia
    assert [m["id"] for m in por_secuencia.mensajes] == [leida_mientras.pk, nueva.pk]
    assert [m["id"] for m in por_id.mensajes] == [leida_mientras.pk, nueva.pk]
    assert (por_secuencia.secuencia, por_secuencia.no_leidas) == (3, 1)
    assert selectors.ultima_secuencia(usuario_id=UsuarioFactory().pk) == 0
