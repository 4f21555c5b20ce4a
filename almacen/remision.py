"""Draw an order's packing slip as PDF bytes: what goes in the box and where it goes, no prices. Pure fpdf2."""

from dataclasses import dataclass
from datetime import datetime

from ventas.facturas import TIENDA, nuevo_pdf


@dataclass(frozen=True)
class DatosRemision:
    numero: str
    fecha: datetime
    # The shipping address, one line per item.
    envio: tuple[str, ...]
    # (product, quantity) per line.
    lineas: tuple[tuple[str, int], ...]


def dibujar_remision(datos: DatosRemision) -> bytes:
    """Return the packing slip PDF for one order."""
    pdf = nuevo_pdf(f"Remisión {datos.numero}", datos.fecha)
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, f"{TIENDA} · Remisión", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"Pedido {datos.numero}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Fecha: {datos.fecha:%d/%m/%Y %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Enviar a", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    for fila in datos.envio:
        pdf.cell(0, 7, fila, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 11)
    with pdf.table(col_widths=(140, 30), text_align=("LEFT", "RIGHT")) as tabla:
        tabla.row(("Producto", "Cantidad"))
        for producto, cantidad in datos.lineas:
            tabla.row((producto, str(cantidad)))
    pdf.ln(6)
    pdf.cell(0, 7, f"Piezas: {sum(cantidad for _, cantidad in datos.lineas)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
