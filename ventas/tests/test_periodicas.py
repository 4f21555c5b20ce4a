"""The Beat jobs: their schedules in the database and what each one does to seeded data."""

import csv
import importlib
import io
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from myproject.beat import programar
from myproject.celery import app
from outbox.models import OutboxMessage
from pruebas.factories import ProductoFactory, UsuarioFactory, VentaFactory
from pruebas.procesos import detener, esperar, lanzar
from ventas import graficas, reportes, services
from ventas.models import ESTADOS_PAGADOS, CarritoCompra, EnvioEmail, EstadisticaVentas, ItemCarrito, LineaVenta, Venta

MX = ZoneInfo("America/Mexico_City")


# Schedules
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_la_migracion_crea_los_horarios_y_respeta_los_editados():
    from django.apps import apps

    migracion = importlib.import_module("ventas.migrations.0003_tareas_periodicas")
    # Start from what the migration leaves (a transactional test may have flushed it since).
    PeriodicTask.objects.all().delete()
    programar(apps, migracion.TAREAS)
    tareas = {t.task: t for t in PeriodicTask.objects.select_related("crontab", "interval")}

    reporte = tareas["ventas.tasks.generar_reporte_diario"]
    assert (reporte.crontab.minute, reporte.crontab.hour) == ("0", "8")
    assert str(reporte.crontab.timezone) == "America/Mexico_City"
    carritos = tareas["ventas.tasks.limpiar_carritos_abandonados"]
    assert (carritos.interval.every, carritos.interval.period) == (2, "hours")
    stats = tareas["ventas.tasks.actualizar_estadisticas"]
    assert (stats.interval.every, stats.interval.period) == (5, "minutes")
    assert all(t.enabled for t in tareas.values()) and len(tareas) == 3

    # Ops changed the report's hour in the admin; running the migration again keeps it.
    reporte.crontab = CrontabSchedule.objects.create(minute="30", hour="7", timezone="America/Mexico_City")
    reporte.save()
    programar(apps, migracion.TAREAS)
    assert PeriodicTask.objects.count() == 3
    assert PeriodicTask.objects.get(pk=reporte.pk).crontab.hour == "7"

    app.loader.import_default_modules()
    for nombre in [*tareas, "ventas.tasks.enviar_recordatorio_carrito"]:
        assert nombre in app.tasks, nombre
    assert app.amqp.router.route({}, "ventas.tasks.actualizar_estadisticas")["queue"].name == "analytics"
    assert app.amqp.router.route({}, "ventas.tasks.enviar_recordatorio_carrito")["queue"].name == "emails"


@pytest.mark.django_db(transaction=True)
def test_beat_lanza_las_tareas_de_la_base(celery_worker):
    cada_segundo = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="estadísticas (prueba)",
        task="ventas.tasks.actualizar_estadisticas",
        interval=cada_segundo,
        last_run_at=timezone.now() - timedelta(hours=1),
    )
    comando = [sys.executable, "-m", "celery", "-A", "myproject", "beat", "-l", "info"]
    beat = lanzar("beat", [*comando, "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--pidfile="])
    try:
        esperar(reportes.estadisticas_actuales, timeout=40, mensaje="beat to send the stats refresh")
    finally:
        detener(beat)
    assert PeriodicTask.objects.get(name="estadísticas (prueba)").total_run_count >= 1


# Daily report
# ------------------------------------------------------------------------------


@pytest.fixture
def ventas_en_los_bordes(db):
    """Sales right at the local midnights around 2026-11-23 (Mexico City, UTC-6)."""
    comprador = UsuarioFactory(username="cliente")
    ana = ProductoFactory(nombre="Café", precio=Decimal("100.00"), vendedor=UsuarioFactory(username="ana"))
    beto = ProductoFactory(nombre="Taza", precio=Decimal("35.50"), vendedor=UsuarioFactory(username="beto"))
    dentro = [
        VentaFactory(
            producto=ana, comprador=comprador, cantidad=2, fecha_creacion=datetime(2026, 11, 23, 0, 0, 0, tzinfo=MX)
        ),
        VentaFactory(
            producto=beto, comprador=comprador, cantidad=1, fecha_creacion=datetime(2026, 11, 23, 12, 30, tzinfo=MX)
        ),
        # 23:59:59.999 local is 05:59:59 UTC of the 24th: still the 23rd here.
        VentaFactory(
            producto=ana,
            comprador=comprador,
            cantidad=1,
            fecha_creacion=datetime(2026, 11, 23, 23, 59, 59, 999000, tzinfo=MX),
        ),
    ]
    VentaFactory(
        producto=ana, comprador=comprador, cantidad=5, fecha_creacion=datetime(2026, 11, 22, 23, 59, 59, tzinfo=MX)
    )
    VentaFactory(
        producto=ana, comprador=comprador, cantidad=7, fecha_creacion=datetime(2026, 11, 24, 0, 0, 0, tzinfo=MX)
    )
    VentaFactory(
        producto=beto,
        comprador=comprador,
        cantidad=9,
        fecha_creacion=datetime(2026, 11, 23, 10, 0, tzinfo=MX),
        estado=Venta.Estado.CANCELADA,
    )
    # Orders not paid count neither: waiting for payment, declined, expired.
    for estado in (Venta.Estado.PENDIENTE_PAGO, Venta.Estado.RECHAZADA, Venta.Estado.EXPIRADA):
        VentaFactory(
            producto=ana,
            comprador=comprador,
            cantidad=3,
            fecha_creacion=datetime(2026, 11, 23, 11, 0, tzinfo=MX),
            estado=estado,
        )
    return dentro


def test_los_limites_del_dia_son_las_medianoches_locales():
    inicio, fin = reportes.limites_del_dia(date(2026, 11, 23))
    assert inicio == datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo("UTC"))
    assert fin - inicio == timedelta(days=1)
    # At 00:30 local the UTC date is already the next day and yesterday is still local yesterday.
    assert reportes.ayer(datetime(2026, 11, 24, 0, 30, tzinfo=MX)) == date(2026, 11, 23)
    assert reportes.ayer(datetime(2026, 11, 24, 23, 30, tzinfo=MX)) == date(2026, 11, 23)


def test_el_reporte_lleva_el_csv_y_los_totales_de_ese_dia_local(ventas_en_los_bordes, buzon, settings):
    settings.MANAGERS_EMAILS = ["gerencia@example.com", "direccion@example.com"]

    assert reportes.generar_reporte_diario(fecha=date(2026, 11, 23)) is True

    [email] = buzon.mensajes
    assert email["To"] == "gerencia@example.com, direccion@example.com"
    assert email["Subject"] == "Reporte de ventas del 2026-11-23 — 3 ventas"
    cuerpo = email.get_body(("plain",)).get_content()
    assert "Ventas:    3" in cuerpo and "Unidades:  4" in cuerpo and "Ingresos:  $335.50" in cuerpo
    assert "ana: 2 ventas, $300.00" in cuerpo and "beto: 1 ventas, $35.50" in cuerpo
    [adjunto] = list(email.iter_attachments())
    assert adjunto.get_filename() == "ventas-2026-11-23.csv"
    filas = list(csv.DictReader(io.StringIO(adjunto.get_content())))
    assert [f["numero"] for f in filas] == [v.numero for v in ventas_en_los_bordes]
    assert filas[0]["fecha_hora"] == "2026-11-23T00:00:00-06:00"
    assert filas[2]["fecha_hora"] == "2026-11-23T23:59:59-06:00"
    assert [f["monto"] for f in filas] == ["200.00", "35.50", "100.00"]
    assert sum(Decimal(f["monto"]) for f in filas) == Decimal("335.50")
    assert filas[1]["vendedor"] == "beto" and filas[1]["comprador"] == "cliente"

    # Beat or a redelivery running it again sends nothing more.
    assert reportes.generar_reporte_diario(fecha=date(2026, 11, 23)) is False
    assert len(buzon.mensajes) == 1
    assert EnvioEmail.objects.get(clave="reporte:2026-11-23").enviado


def test_un_dia_sin_ventas_tambien_tiene_reporte(ventas_en_los_bordes, buzon):
    assert reportes.generar_reporte_diario(fecha=date(2026, 11, 20)) is True

    [email] = buzon.mensajes
    assert email["Subject"] == "Reporte de ventas del 2026-11-20 — sin ventas"
    assert "No hubo ventas ese día." in email.get_body(("plain",)).get_content()
    [adjunto] = list(email.iter_attachments())
    assert adjunto.get_content().splitlines() == [",".join(reportes.COLUMNAS_CSV)]


# Abandoned carts
# ------------------------------------------------------------------------------


def _carrito(usuario, hace: timedelta, *, productos=1, comprado=False) -> CarritoCompra:
    carrito = CarritoCompra.objects.create(usuario=usuario, comprado=comprado)
    for _ in range(productos):
        ItemCarrito.objects.create(carrito=carrito, producto=ProductoFactory(), cantidad=2)
    CarritoCompra.objects.filter(pk=carrito.pk).update(ultima_modificacion=timezone.now() - hace)
    carrito.refresh_from_db()
    return carrito


@pytest.mark.django_db
def test_un_carrito_abandonado_se_recuerda_una_vez_y_luego_se_borra(django_capture_on_commit_callbacks):
    abandonado = _carrito(UsuarioFactory(), timedelta(days=8))
    reciente = _carrito(UsuarioFactory(), timedelta(days=3))
    comprado = _carrito(UsuarioFactory(), timedelta(days=30), comprado=True)
    vacio = _carrito(UsuarioFactory(), timedelta(days=8), productos=0)
    ahora = timezone.now()

    with django_capture_on_commit_callbacks() as enviados:
        assert services.limpiar_carritos_abandonados(ahora=ahora) == {"recordados": 1, "eliminados": 1}
    # One reminder, an outbox row of the transaction that marked the cart, published on commit.
    assert [c.func.__name__ for c in enviados] == ["publish_committed"]
    assert _recordatorios_en_el_outbox() == [[abandonado.pk]]
    marcado = CarritoCompra.objects.get(pk=abandonado.pk)
    assert marcado.recordatorio_enviado == ahora
    assert marcado.ultima_modificacion == abandonado.ultima_modificacion  # the mark is not "activity"
    assert not CarritoCompra.objects.filter(pk=vacio.pk).exists()

    # The next runs, inside the grace period: no second reminder, nothing deleted.
    with django_capture_on_commit_callbacks() as enviados:
        assert services.limpiar_carritos_abandonados(ahora=ahora + timedelta(hours=2)) == {
            "recordados": 0,
            "eliminados": 0,
        }
    assert enviados == []
    assert _recordatorios_en_el_outbox() == [[abandonado.pk]]

    # After the grace period, still untouched: deleted with its items.
    resultado = services.limpiar_carritos_abandonados(ahora=ahora + services.GRACIA_RECORDATORIO + timedelta(hours=1))
    assert resultado == {"recordados": 0, "eliminados": 1}
    assert set(CarritoCompra.objects.values_list("pk", flat=True)) == {reciente.pk, comprado.pk}
    assert not ItemCarrito.objects.filter(carrito_id=abandonado.pk).exists()


@pytest.mark.django_db
def test_un_carrito_con_actividad_tras_el_recordatorio_se_conserva(django_capture_on_commit_callbacks):
    usuario = UsuarioFactory()
    carrito = _carrito(usuario, timedelta(days=8))
    with django_capture_on_commit_callbacks():
        services.limpiar_carritos_abandonados()

    otro = ProductoFactory(stock=5)
    services.agregar_al_carrito(usuario=usuario, producto_id=otro.pk, cantidad=1)

    with django_capture_on_commit_callbacks() as enviados:
        resultado = services.limpiar_carritos_abandonados(ahora=timezone.now() + timedelta(days=2))
    assert resultado == {"recordados": 0, "eliminados": 0}
    assert enviados == []
    assert CarritoCompra.objects.get(pk=carrito.pk).items.count() == 2


@pytest.mark.django_db
def test_marcar_un_recordatorio_dos_veces_solo_lo_envia_una(django_capture_on_commit_callbacks):
    carrito = _carrito(UsuarioFactory(), timedelta(days=8))
    with django_capture_on_commit_callbacks() as enviados:
        assert services.marcar_recordatorio(carrito_id=carrito.pk) is True
        assert services.marcar_recordatorio(carrito_id=carrito.pk) is False
    assert len(enviados) == 1
    assert _recordatorios_en_el_outbox() == [[carrito.pk]]


def _recordatorios_en_el_outbox() -> list[list]:
    mensajes = OutboxMessage.objects.filter(task_name="ventas.tasks.enviar_recordatorio_carrito").order_by("pk")
    return list(mensajes.values_list("args", flat=True))


# Statistics
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_las_estadisticas_coinciden_con_una_consulta_directa(ventas_en_los_bordes):
    hoy = date(2026, 11, 24)
    datos = reportes.calcular_estadisticas(hoy=hoy)

    validas = LineaVenta.objects.filter(venta__estado__in=ESTADOS_PAGADOS)
    directo = validas.aggregate(ventas=Count("pk"), unidades=Sum("cantidad"), ingresos=Sum("subtotal"))
    assert datos["totales"]["ventas"] == directo["ventas"]
    assert datos["totales"]["unidades"] == directo["unidades"]
    assert Decimal(datos["totales"]["ingresos"]) == directo["ingresos"]
    assert len(datos["por_dia"]) == 30 and datos["hasta"] == "2026-11-24"
    for dia in datos["por_dia"]:
        inicio, fin = reportes.limites_del_dia(date.fromisoformat(dia["fecha"]))
        del_dia = validas.filter(venta__fecha_creacion__gte=inicio, venta__fecha_creacion__lt=fin)
        assert dia["ventas"] == del_dia.count(), dia
        assert Decimal(dia["ingresos"]) == (del_dia.aggregate(s=Sum("subtotal"))["s"] or 0), dia
    assert {d["fecha"]: d["ventas"] for d in datos["por_dia"] if d["ventas"]} == {
        "2026-11-22": 1,
        "2026-11-23": 3,
        "2026-11-24": 1,
    }
    assert [(p["nombre"], p["unidades"], p["ingresos"]) for p in datos["top_productos"]] == [
        ("Café", 15, "1500.00"),
        ("Taza", 1, "35.50"),
    ]
    por_vendedor = {fila["vendedor"]: fila for fila in datos["por_vendedor"].values()}
    for nombre, fila in por_vendedor.items():
        suyas = validas.filter(vendedor__username=nombre)
        assert fila["totales"]["ventas"] == suyas.count()
        assert Decimal(fila["totales"]["ingresos"]) == suyas.aggregate(s=Sum("subtotal"))["s"]
        assert sum(d["ventas"] for d in fila["por_dia"]) == suyas.count()


@pytest.mark.django_db
def test_estadisticas_en_el_panel_y_en_la_pagina_del_personal(client, ventas_en_los_bordes):
    reportes.actualizar_estadisticas()
    reportes.actualizar_estadisticas()  # replaces the snapshot, never adds rows
    assert EstadisticaVentas.objects.count() == 1
    ana = ventas_en_los_bordes[0].lineas.get().vendedor

    client.force_login(ana)
    panel = client.get("/vendedor/")
    assert panel.status_code == 200
    seccion = panel.content.decode().split('id="estadisticas"')[1]
    assert '<dd data-cifra="ingresos">$1,500.00</dd>' in seccion and "<svg" in seccion
    assert "Taza" not in seccion  # only her own products
    assert client.get("/estadisticas/").status_code == 403

    client.force_login(UsuarioFactory(username="jefa", is_staff=True))
    pagina = client.get("/estadisticas/")
    assert pagina.status_code == 200
    html = pagina.content.decode().split("<main", 1)[1]  # the page, not the nav's icons
    assert '<dd data-cifra="ingresos">$1,535.50</dd>' in html
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert html.count("<svg") == 1 and 'role="img"' in svg and "<rect" in svg
    assert "<td>beto</td>" in html


@pytest.mark.django_db
def test_sin_estadisticas_aun_se_dice(client):
    client.force_login(UsuarioFactory(is_staff=True))
    assert "Aún no hay estadísticas" in client.get("/estadisticas/").content.decode()
    client.logout()
    assert client.get("/estadisticas/").status_code == 302


def test_la_grafica_escapa_sus_textos():
    svg = graficas.barras_svg(["<b>", "x&y"], [Decimal("1"), Decimal("0")], titulo='"título"')
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "x&amp;y" in svg and "&quot;título&quot;" in svg


# The periodic tasks through a real worker
# ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_las_tareas_periodicas_en_un_worker_real(celery_worker, buzon, settings):
    from ventas import tasks

    carrito = _carrito(UsuarioFactory(username="olvidadiza"), timedelta(days=8))
    producto = ProductoFactory(vendedor=UsuarioFactory(username="vende"))
    VentaFactory(producto=producto, comprador=UsuarioFactory(), cantidad=3, fecha_creacion=timezone.now())

    tasks.generar_reporte_diario.delay()
    tasks.limpiar_carritos_abandonados.delay()
    tasks.actualizar_estadisticas.delay()

    ayer = reportes.ayer()
    esperar(lambda: buzon.para(settings.MANAGERS_EMAILS[0]), mensaje="the daily report")
    [recordatorio] = esperar(lambda: buzon.para("olvidadiza@example.com"), mensaje="the cart reminder")
    assert recordatorio["Subject"] == "Tu carrito te espera en Mi Tienda"
    assert "2 × " in recordatorio.get_body(("plain",)).get_content()
    [reporte] = buzon.para(settings.MANAGERS_EMAILS[0])
    assert reporte["Subject"] == f"Reporte de ventas del {ayer:%Y-%m-%d} — sin ventas"
    estadistica = esperar(reportes.estadisticas_actuales, mensaje="the stats snapshot")
    assert estadistica.datos["totales"]["ventas"] == 1
    assert CarritoCompra.objects.get(pk=carrito.pk).recordatorio_enviado is not None
