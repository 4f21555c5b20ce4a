"""Template tags that read the stored sales statistics (see ``ventas.reportes``).

Pages show the snapshot with ``{% load estadisticas %}``, so the views that host a
statistics section need no change of their own.
"""

from django import template
from django.utils.safestring import SafeString

from .. import reportes

register = template.Library()


@register.simple_tag
def estadisticas_de_la_tienda() -> dict:
    """Return ``{"datos": snapshot or None, "calculado": datetime or None}`` for the whole shop."""
    estadistica = reportes.estadisticas_actuales()
    return {"datos": estadistica.datos if estadistica else None, "calculado": estadistica and estadistica.calculado}


@register.simple_tag
def estadisticas_de_vendedor(usuario) -> dict:
    """Return one seller's part of the snapshot, like ``estadisticas_de_la_tienda``."""
    datos, calculado = reportes.estadisticas_de_vendedor(usuario.pk)
    return {"datos": datos, "calculado": calculado}


@register.filter
def grafica_ingresos(por_dia: list[dict], titulo: str) -> SafeString:
    """Draw a snapshot's ``por_dia`` as an inline SVG bar chart of revenue."""
    return reportes.grafica_ingresos(por_dia, titulo=titulo)
