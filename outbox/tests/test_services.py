"""The outbox: rows commit with their transaction, one callback publishes them, the relay the rest.

Publishes go to a Redis database of their own (``broker_redis_aparte``), read back
with kombu, so no worker of the session ever runs these test tasks. Most tests run
inside the test's transaction, where on-commit callbacks are captured and called by
hand; ``ventas/tests/test_recuperacion.py`` runs the whole thing with real processes.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu import Connection

from outbox import services
from outbox.models import OutboxMessage
from pruebas import procesos

TAREA = "ventas.tasks.actualizar_inventario"


@pytest.fixture
def broker(monkeypatch, broker_redis_aparte):
    """Make the outbox publish to a Redis of its own; return a function listing (task, id, args) queued there."""
    otra = procesos.app_de_celery(broker_redis_aparte)
    monkeypatch.setattr(services, "app", otra)

    def en_cola(cola: str = "celery") -> list[tuple[str, str, list]]:
        with Connection(broker_redis_aparte) as conexion:
            crudos = conexion.default_channel.client.lrange(cola, 0, -1)
        mensajes = [json.loads(crudo) for crudo in reversed(crudos)]  # LPUSH: the oldest is last
        return [(m["headers"]["task"], m["headers"]["id"], json.loads(_cuerpo(m))[0]) for m in mensajes]

    yield en_cola
    otra.close()


def _cuerpo(mensaje: dict) -> str:
    return base64.b64decode(mensaje["body"]).decode()


@pytest.mark.django_db(transaction=True)
def test_fuera_de_una_transaccion_no_se_escribe_nada():
    with pytest.raises(services.OutsideTransaction):
        services.enqueue(TAREA, args=[1])
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_opciones_desconocidas_y_argumentos_que_no_son_json_se_rechazan_al_escribir():
    with pytest.raises(TypeError, match="unknown publish options"), transaction.atomic():
        services.enqueue(TAREA, routing="x")
    with pytest.raises(TypeError), transaction.atomic():
        services.enqueue(TAREA, args=[object()])
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_una_transaccion_publica_todas_sus_filas_con_un_solo_callback(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        filas = [services.enqueue(TAREA, args=[i]) for i in range(3)]
        otra = services.enqueue("ventas.tasks.enviar_recordatorio_carrito", args=[9])
    assert [c.func.__name__ for c in callbacks] == ["publish_committed"]
    assert broker() == [] and broker("emails") == []  # nothing before commit

    assert callbacks[0]() == {"sent": 4, "failed": 0, "broker_down": 0}
    assert broker() == [(TAREA, str(f.task_id), [i]) for i, f in enumerate(filas)]
    # Routing by name still applies to what the outbox publishes.
    assert broker("emails") == [("ventas.tasks.enviar_recordatorio_carrito", str(otra.task_id), [9])]
    assert OutboxMessage.objects.filter(sent_at__isnull=False, claim_token__isnull=True).count() == 4

    # The relay finds nothing left to send, and a second run of the callback sends nothing again.
    assert services.relay() == {"sent": 0, "failed": 0}
    assert callbacks[0]()["sent"] == 0
    assert len(broker()) == 3


@pytest.mark.django_db
def test_lo_escrito_en_un_savepoint_deshecho_no_se_publica(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                services.enqueue(TAREA, args=["deshecha"])  # registers the callback inside the savepoint
                raise RuntimeError
        except RuntimeError:
            pass
        dentro = services.enqueue(TAREA, args=["guardada"])
        with transaction.atomic():
            services.enqueue(TAREA, args=["también"])
        try:
            with transaction.atomic():
                services.enqueue(TAREA, args=["deshecha 2"])
                raise RuntimeError
        except RuntimeError:
            pass
    assert len(callbacks) == 1
    callbacks[0]()
    assert [args for _, _, args in broker()] == [["guardada"], ["también"]]
    assert OutboxMessage.objects.get(args=["guardada"]).pk == dentro.pk
    assert OutboxMessage.objects.count() == 2


@pytest.mark.django_db
def test_el_relay_respeta_el_reclamo_vivo_y_retoma_el_vencido(broker, django_capture_on_commit_callbacks):
    """A row whose transaction's callback never ran (its process died) goes out once its lease ends."""
    with django_capture_on_commit_callbacks(), transaction.atomic():  # captured, never run: as if the process died
        fila = services.enqueue(TAREA, args=[1])
    assert services.relay() == {"sent": 0, "failed": 0}  # held by a publisher that may be alive
    assert broker() == []

    OutboxMessage.objects.filter(pk=fila.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert services.relay() == {"sent": 1, "failed": 0}
    assert broker() == [(TAREA, str(fila.task_id), [1])]
    assert services.relay() == {"sent": 0, "failed": 0}


@pytest.mark.django_db
def test_un_publicador_cuyo_reclamo_se_acaba_no_publica(broker):
    """Past its lease a publisher leaves the row alone: another may have taken it over."""
    with transaction.atomic():
        services.enqueue(TAREA, args=[1])
    token = OutboxMessage.objects.get().claim_token
    OutboxMessage.objects.update(claimed_until=timezone.now() + timedelta(seconds=1))  # less than one publish may take
    assert services.publish_committed(token)["sent"] == 0
    assert broker() == []
    assert OutboxMessage.objects.get().claim_token is None  # released for the relay at once
    assert services.relay()["sent"] == 1


@pytest.mark.django_db
def test_una_fila_que_siempre_falla_espera_cada_vez_mas_y_muere(broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_BACKOFF_SECONDS = 3, 10
    with transaction.atomic():
        mala = services.enqueue(TAREA, args=["mala"], expires="nunca")  # send_task cannot parse it: every time
        buena = services.enqueue(TAREA, args=["buena"])
    OutboxMessage.objects.update(claim_token=None, claimed_until=None)  # as if its callback never ran
    t0 = timezone.now()

    # One bad row does not hold the others back.
    assert services.relay(now=t0) == {"sent": 1, "failed": 1}
    assert broker() == [(TAREA, str(buena.task_id), ["buena"])]
    mala.refresh_from_db()
    assert (mala.attempts, mala.next_attempt_at, mala.dead_at) == (1, t0 + timedelta(seconds=10), None)
    assert "ValueError" in mala.last_error

    assert services.relay(now=t0 + timedelta(seconds=9)) == {"sent": 0, "failed": 0}  # still backing off
    assert services.relay(now=t0 + timedelta(seconds=10)) == {"sent": 0, "failed": 1}
    mala.refresh_from_db()
    assert (mala.attempts, mala.next_attempt_at) == (2, t0 + timedelta(seconds=30))  # 10 s, then 20 s
    assert services.relay(now=t0 + timedelta(seconds=30)) == {"sent": 0, "failed": 1}
    mala.refresh_from_db()
    assert mala.attempts == 3 and mala.dead_at == t0 + timedelta(seconds=30) and mala.estado == "muerto"

    # Dead: never tried again, however long one waits, until someone retries it.
    assert services.relay(now=t0 + timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert services.retry(ids=[mala.pk]) == 1
    mala.refresh_from_db()
    assert (mala.attempts, mala.dead_at, mala.estado) == (0, None, "pendiente")
    assert services.relay() == {"sent": 0, "failed": 1}
    assert len(broker()) == 1


@pytest.mark.django_db
def test_la_espera_tiene_tope(broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 20, 10, 60
    with transaction.atomic():
        mala = services.enqueue(TAREA, expires="nunca")
    OutboxMessage.objects.update(claim_token=None, claimed_until=None, attempts=7)
    ahora = timezone.now()
    services.relay(now=ahora)
    mala.refresh_from_db()
    assert mala.next_attempt_at == ahora + timedelta(seconds=60)  # not 10 × 2⁷


@pytest.mark.django_db
def test_el_relay_borra_los_enviados_viejos(broker, settings):
    with transaction.atomic():
        viejo, nuevo = services.enqueue(TAREA), services.enqueue(TAREA)
    OutboxMessage.objects.update(claim_token=None, claimed_until=None, sent_at=timezone.now())
    OutboxMessage.objects.filter(pk=viejo.pk).update(sent_at=timezone.now() - timedelta(days=8))
    services.relay()
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [nuevo.pk]
