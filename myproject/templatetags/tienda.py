"""One money format and one clock for every page: ``{% load tienda %}``.

Money goes through Django's localisation (LANGUAGE_CODE es-mx: "$6,637.90"), grouped
here rather than with USE_THOUSAND_SEPARATOR, which would group every number a template
prints, ids in data attributes and URLs included. The browser side (static/js/formato.js)
formats with ``Intl`` from the locale, zone and currency base.html puts on <html>.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as formato_fecha
from django.utils import formats, translation

register = template.Library()


@register.filter
def dinero(valor, con_moneda: str = ""):
    """Return ``valor`` as the shop's money: "$6,637.90"; with any argument, "$6,637.90 MXN".

    The currency is stated where it matters (totals to pay, invoice, emails), once.
    """
    if valor is None or valor == "":
        return ""
    try:
        # Rounded to cents here: Django's number_format cuts the extra digits off.
        cantidad = Decimal(str(valor)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return valor
    texto = "$" + formats.number_format(cantidad, 2, use_l10n=True, force_grouping=True)
    return f"{texto} {settings.MONEDA}" if con_moneda else texto


# expects_localtime: like Django's |date, the value is converted to the shop's TIME_ZONE first.
@register.filter(expects_localtime=True)
def fecha_iso(valor):
    """Return a date and time for a table cell, in the shop's zone: "2026-12-01 14:12"."""
    return formato_fecha(valor, "Y-m-d H:i")


@register.filter
def fecha_maquina(valor):
    """Return the instant for a <time datetime>: ISO 8601 to the second, with its offset."""
    return valor.isoformat(timespec="seconds") if valor else ""


@register.filter(expects_localtime=True)
def fecha_larga(valor):
    """Return "1 de diciembre de 2026, 14:12": Spanish writes month names in lowercase."""
    texto = formato_fecha(valor, r"j \d\e F \d\e Y, H:i")
    return texto.lower() if texto else texto


@register.filter
def hace(valor):
    """Return naturaltime in running text: "hace 3 minutos" (Django's es says "Hace")."""
    texto = str(naturaltime(valor))
    return texto[:1].lower() + texto[1:]


@register.simple_tag
def idioma_bcp47() -> str:
    """Return the active language as a BCP 47 tag for ``Intl``: es-mx -> "es-MX"."""
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE).replace("_", "-")


@register.simple_tag
def moneda() -> str:
    """Return the shop's ISO 4217 currency code (settings.MONEDA)."""
    return settings.MONEDA
