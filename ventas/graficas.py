"""Charts drawn on the server as inline SVG: no JavaScript, no CDN (pure Python, no Django)."""

from collections.abc import Sequence
from decimal import Decimal
from html import escape


def barras_svg(
    etiquetas: Sequence[str],
    valores: Sequence[Decimal | int],
    *,
    titulo: str,
    formato: str = "${:,.2f}",
    ancho: int = 640,
    alto: int = 220,
    cada: int = 5,
) -> str:
    """Return an accessible SVG bar chart, one bar per label; every ``cada``-th label is printed.

    Every piece of text is escaped here, so the result may be marked safe.
    """
    if len(etiquetas) != len(valores):
        raise ValueError("una etiqueta por valor")
    margen_x, margen_arriba, margen_abajo = 8, 24, 28
    maximo = max((Decimal(v) for v in valores), default=Decimal(0)) or Decimal(1)
    util_ancho, util_alto = ancho - 2 * margen_x, alto - margen_arriba - margen_abajo
    paso = util_ancho / max(len(valores), 1)
    partes = [
        f'<svg class="grafica" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {ancho} {alto}" '
        f'role="img" aria-label="{escape(titulo)}">',
        f"<title>{escape(titulo)}</title>",
        f'<text x="{margen_x}" y="16" class="grafica-max">máx. {escape(formato.format(maximo))}</text>',
        f'<line x1="{margen_x}" y1="{alto - margen_abajo}" x2="{ancho - margen_x}" y2="{alto - margen_abajo}" '
        'stroke="currentColor" stroke-width="1"/>',
    ]
    for i, (etiqueta, valor) in enumerate(zip(etiquetas, valores, strict=True)):
        altura = float(Decimal(valor) / maximo) * util_alto
        x = margen_x + i * paso
        y = alto - margen_abajo - altura
        texto = escape(f"{etiqueta}: {formato.format(valor)}")
        partes.append(
            f'<rect x="{x + paso * 0.1:.1f}" y="{y:.1f}" width="{paso * 0.8:.1f}" height="{altura:.1f}" '
            f'class="grafica-barra"><title>{texto}</title></rect>'
        )
        if i % cada == 0 or i == len(etiquetas) - 1:
            partes.append(
                f'<text x="{x + paso / 2:.1f}" y="{alto - 10}" text-anchor="middle" class="grafica-etiqueta">'
                f"{escape(etiqueta)}</text>"
            )
    partes.append("</svg>")
    return "".join(partes)
