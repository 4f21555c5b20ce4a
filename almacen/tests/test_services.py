"""The warehouse's events: once per order and kind, the paid one first, the users told once."""

from almacen import services
from almacen.models import EventoAlmacen
from notificaciones.models import Notificacion
from outbox.models import OutboxMessage


def test_cada_evento_una_vez_y_el_de_pagada_primero_aunque_llegue_tarde(settings, almacenista, venta_pagada):
    settings.WAREHOUSE_WEBHOOK_URL = "http://almacen.example/eventos"
    venta = venta_pagada()
    # The cancellation's task runs before the (late) payment's one.
    assert services.notificar_almacen(venta_id=venta.pk, tipo="venta.cancelada") is True
    assert services.notificar_almacen(venta_id=venta.pk, tipo="venta.pagada") is False
    assert services.notificar_almacen(venta_id=venta.pk, tipo="venta.cancelada") is False  # run twice
    assert list(EventoAlmacen.objects.order_by("pk").values_list("tipo", flat=True)) == [
        "venta.pagada",
        "venta.cancelada",
    ]
    assert Notificacion.objects.filter(usuario=almacenista, tipo="pedido_almacen").count() == 1
    assert OutboxMessage.objects.filter(task_name="almacen.tasks.entregar_eventos_almacen").count() == 2


def test_sin_url_no_hay_webhook_pero_el_almacen_se_entera_una_vez(settings, almacenista, venta_pagada):
    settings.WAREHOUSE_WEBHOOK_URL = ""
    venta = venta_pagada()
    assert services.notificar_almacen(venta_id=venta.pk, tipo="venta.pagada") is True
    assert services.notificar_almacen(venta_id=venta.pk, tipo="venta.pagada") is False
    aviso = Notificacion.objects.get(usuario=almacenista, tipo="pedido_almacen")
    assert (aviso.datos["venta_id"], aviso.datos["estado"], aviso.datos["lineas"][0]["cantidad"]) == (
        venta.pk,
        "pagada",
        2,
    )
    assert EventoAlmacen.objects.get().estado == EventoAlmacen.Estado.SIN_DESTINO
    assert not OutboxMessage.objects.filter(task_name="almacen.tasks.entregar_eventos_almacen").exists()
