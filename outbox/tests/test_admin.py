"""Dead rows are visible in the admin, filtered by state, and retried from there."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from outbox import services
from outbox.models import OutboxMessage

URL = "/admin/outbox/outboxmessage/"


@pytest.fixture
def filas(db):
    with transaction.atomic():
        muerta = services.enqueue("ventas.tasks.notificar_stock_bajo", args=[41, 1], expires="nunca")
        pendiente = services.enqueue("ventas.tasks.enviar_recordatorio_carrito", args=[42])
        enviada = services.enqueue("ventas.tasks.procesar_venta_completa", args=[43])
    ahora = timezone.now()
    OutboxMessage.objects.update(claim_token=None, claimed_until=None)
    OutboxMessage.objects.filter(pk=muerta.pk).update(
        attempts=10, dead_at=ahora, last_error="ValueError: Invalid isoformat string: 'nunca'"
    )
    OutboxMessage.objects.filter(pk=pendiente.pk).update(attempts=2, next_attempt_at=ahora + timedelta(minutes=5))
    OutboxMessage.objects.filter(pk=enviada.pk).update(sent_at=ahora)
    return muerta, pendiente, enviada


def test_las_filas_muertas_se_ven_con_su_error_y_se_filtran(admin_client, filas):
    muerta, pendiente, enviada = filas
    pagina = admin_client.get(URL, {"estado": "muerto"})
    assert pagina.status_code == 200
    assert list(pagina.context["cl"].result_list) == [muerta]
    html = pagina.content.decode()
    assert "ventas.tasks.notificar_stock_bajo" in html and "Invalid isoformat string" in html

    assert list(admin_client.get(URL, {"estado": "pendiente"}).context["cl"].result_list) == [pendiente]
    assert list(admin_client.get(URL, {"estado": "enviado"}).context["cl"].result_list) == [enviada]
    todas = admin_client.get(URL).content.decode()
    assert all(f">{estado}<" in todas for estado in ("muerto", "pendiente", "enviado"))
    # Read only: nobody edits what a service wrote, or adds a task by hand.
    assert admin_client.get(f"{URL}add/").status_code == 403
    detalle = admin_client.post(f"{URL}{muerta.pk}/change/", {"task_name": "otra"})
    assert detalle.status_code == 403
    assert OutboxMessage.objects.get(pk=muerta.pk).task_name == "ventas.tasks.notificar_stock_bajo"


def test_reintentar_una_fila_muerta_le_da_todos_sus_intentos(admin_client, filas):
    muerta, pendiente, enviada = filas
    respuesta = admin_client.post(
        URL, {"action": "reintentar", "_selected_action": [muerta.pk, enviada.pk]}, follow=True
    )
    assert respuesta.status_code == 200
    assert "1 mensajes se publicarán" in respuesta.content.decode()
    muerta.refresh_from_db()
    assert (muerta.estado, muerta.attempts) == ("pendiente", 0)
    assert muerta.next_attempt_at <= timezone.now()
    assert OutboxMessage.objects.get(pk=enviada.pk).estado == "enviado"  # a sent row is not sent again


def test_sin_permiso_de_cambio_no_hay_accion_de_reintentar(client, filas, django_user_model):
    muerta = filas[0]
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(staff)
    pagina = client.get(URL)
    assert pagina.status_code == 200
    assert pagina.context["action_form"] is None  # no action offered
    client.post(URL, {"action": "reintentar", "_selected_action": [muerta.pk]})
    assert OutboxMessage.objects.get(pk=muerta.pk).estado == "muerto"
