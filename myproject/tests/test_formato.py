"""The shop's one money format and one clock on the server (myproject/templatetags/tienda.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.template import Context, Template
from django.utils import timezone


def _render(plantilla: str, **contexto) -> str:
    return Template("{% load tienda %}" + plantilla).render(Context(contexto))


def test_dinero_agrupa_como_la_localizacion_es_mx_y_dice_la_moneda_solo_si_se_pide(settings):
    assert settings.LANGUAGE_CODE == "es-mx" and settings.USE_I18N
    assert _render("{{ v|dinero }}", v=Decimal("6637.9")) == "$6,637.90"
    assert _render("{{ v|dinero }}", v=Decimal("1234567.005")) == "$1,234,567.01"
    assert _render('{{ v|dinero:"moneda" }}', v="95.50") == "$95.50 MXN"
    assert _render("{{ v|dinero }}", v=None) == ""
    # The global switch stays off: ids and other numbers are not grouped.
    assert _render("{{ n }}", n=12345) == "12345"


def test_las_fechas_salen_en_la_zona_de_la_tienda_24_horas_y_en_minusculas():
    instante = datetime(2026, 12, 1, 20, 12, tzinfo=UTC)  # 14:12 in Mexico City (UTC-6)
    assert _render("{{ f|fecha_iso }}", f=instante) == "2026-12-01 14:12"
    assert _render("{{ f|fecha_larga }}", f=instante) == "1 de diciembre de 2026, 14:12"
    hace_un_rato = timezone.now() - timedelta(minutes=3)
    assert _render("Calculadas {{ f|hace }}", f=hace_un_rato) == "Calculadas hace 3 minutos"


def test_la_pagina_le_pasa_al_js_idioma_zona_y_moneda(client, db):
    html = client.get("/").content.decode()
    assert '<html lang="es-MX" data-idioma="es-MX" data-zona="America/Mexico_City" data-moneda="MXN">' in html
    assert 'rel="icon"' in html and '<meta name="description"' in html
