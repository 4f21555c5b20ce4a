"""The email tasks' base class: a task that fails for good alerts the ADMINS, once."""

from smtplib import SMTPDataError

import pytest
from billiard.einfo import ExceptionInfo

from pruebas import procesos
from pruebas.factories import VentaFactory
from pruebas.procesos import esperar
from ventas import tasks

ADMIN = "ops@mitienda.local"


def _fallo(tarea, task_id: str, args: tuple) -> None:
    """Call ``tarea``'s on_failure as the worker does once its last retry failed on a busy mail server."""
    try:
        raise SMTPDataError(451, b"4.3.0 Try again later")
    except SMTPDataError as error:
        tarea.on_failure(error, task_id, args, {}, ExceptionInfo())


def test_el_fallo_definitivo_de_un_email_avisa_a_los_admins(db, buzon, settings):
    settings.ADMINS = [("Ops", ADMIN)]
    _fallo(tasks.enviar_email_confirmacion, "id-de-prueba", (7,))

    [aviso] = buzon.mensajes
    assert aviso["To"] == ADMIN
    assert "ventas.tasks.enviar_email_confirmacion" in aviso["Subject"]
    cuerpo = aviso.get_content()
    assert "id-de-prueba" in cuerpo and "args=[7]" in cuerpo and "Try again later" in cuerpo


def test_sin_admins_no_se_envia_nada_y_un_aviso_fallido_no_rompe_la_tarea(db, buzon, settings):
    settings.ADMINS = []
    _fallo(tasks.notificar_stock_bajo, "id", (1, 1))
    assert buzon.mensajes == []

    settings.ADMINS = [("Ops", ADMIN)]
    buzon.rechazar(1)  # the alert itself meets the busy mail server
    _fallo(tasks.notificar_stock_bajo, "id", (1, 1))
    assert buzon.mensajes == [] and buzon.rechazados == 1


@pytest.mark.faults
@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_en_un_worker_real_el_ultimo_reintento_fallido_avisa_una_vez(
    monkeypatch, buzon, broker_redis_aparte, comprador, producto
):
    """The confirmation's last retry meets a busy mail server: no confirmation, one alert."""
    venta = VentaFactory(comprador=comprador, producto=producto)  # paid, its pipeline not queued
    worker = procesos.iniciar_worker("admins", CELERY_BROKER_URL=broker_redis_aparte, ADMINS=f"Ops <{ADMIN}>")
    otra = procesos.app_de_celery(broker_redis_aparte)
    try:
        buzon.rechazar(1)
        # Sent as its last attempt: what the worker sees after the sixth retry.
        ultimo = tasks.enviar_email_confirmacion.max_retries
        resultado = otra.send_task("ventas.tasks.enviar_email_confirmacion", (venta.pk,), retries=ultimo)
        resultado.get(timeout=60, propagate=False)
        assert resultado.state == "FAILURE"
        [aviso] = esperar(lambda: buzon.para(ADMIN), timeout=30, mensaje="the alert to the admins")
    finally:
        otra.close()
        procesos.detener(worker)

    assert f"falló tras {ultimo} reintentos" in aviso["Subject"]
    assert f"args=[{venta.pk}]" in aviso.get_content()
    assert buzon.para(comprador.email) == [] and buzon.rechazados == 1
    assert len(buzon.mensajes) == 1
