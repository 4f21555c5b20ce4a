"""The sweeper that finishes sales whose dispatch was lost (see docs/reliability.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pruebas.factories import UsuarioFactory
from ventas import emails, services
from ventas.models import EnvioEmail, Venta


@pytest.fixture
def despachos(monkeypatch):
    enviados = []
    monkeypatch.setattr(services.postventa, "despachar_trabajo_de_venta", lambda *ids: enviados.append(ids))
    return enviados


def _venta(comprador, producto, *, hace: int, estado=Venta.Estado.PENDIENTE) -> Venta:
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    Venta.objects.filter(pk=venta.pk).update(fecha_creacion=timezone.now() - timedelta(seconds=hace), estado=estado)
    return venta


def test_reenvia_solo_las_pendientes_olvidadas(
    comprador, producto, settings, despachos, django_capture_on_commit_callbacks
):
    tras, max_edad = settings.VENTAS_REENVIO_TRAS, settings.VENTAS_REENVIO_MAX_EDAD
    olvidada = _venta(comprador, producto, hace=tras + 5)
    _venta(comprador, producto, hace=tras - 60)  # maybe just slow
    _venta(comprador, producto, hace=tras + 5, estado=Venta.Estado.COMPLETADA)
    _venta(comprador, producto, hace=max_edad + 5)  # left to a person
    sin_email = UsuarioFactory(username="sin_email", email="")
    _venta(sin_email, producto, hace=tras + 5)  # never gets an email, by design

    with django_capture_on_commit_callbacks(execute=True):
        despachos.clear()
        assert services.reenviar_ventas_pendientes() == 1

    assert despachos == [(olvidada.pk,)]


def test_reenvia_por_lotes(comprador, producto, settings, despachos, django_capture_on_commit_callbacks):
    settings.VENTAS_REENVIO_LOTE = 2
    ventas = [_venta(comprador, producto, hace=settings.VENTAS_REENVIO_TRAS + 5) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        despachos.clear()
        assert services.reenviar_ventas_pendientes() == 2
    assert despachos == [(ventas[0].pk,), (ventas[1].pk,)]


def test_un_email_reclamado_por_otro_worker_se_reintenta_no_se_da_por_hecho(
    comprador, producto, settings, tmp_path, buzon
):
    """On RabbitMQ a dead worker's task comes back at once, while its claim is fresh."""
    settings.MEDIA_ROOT = tmp_path
    venta = services.comprar(comprador=comprador, producto_id=producto.pk, cantidad=1)
    clave = f"confirmacion:venta:{venta.pk}"
    EnvioEmail.objects.create(clave=clave, reclamado=timezone.now(), intentos=1)

    with pytest.raises(emails.EmailEnCurso) as en_curso:
        services.enviar_email_confirmacion(venta_id=venta.pk)
    assert 1 <= en_curso.value.segundos <= emails.plazo_de_reclamo().total_seconds() + 1
    assert buzon.mensajes == []

    EnvioEmail.objects.filter(clave=clave).update(reclamado=timezone.now() - emails.plazo_de_reclamo())
    assert services.enviar_email_confirmacion(venta_id=venta.pk) is True
    assert len(buzon.mensajes) == 1 and EnvioEmail.objects.get(clave=clave).intentos == 2
