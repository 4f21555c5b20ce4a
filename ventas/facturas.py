"""Draw a sale's invoice as PDF bytes. Pure fpdf2, no Django."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

# DejaVu covers every character a product or user name may hold; the PDF core
# fonts only know Latin-1 and would fail on the first emoji.
FUENTES = Path(__file__).resolve().parent / "fonts"
TIENDA = "Mi Tienda"


@dataclass(frozen=True)
class DatosFactura:
    numero: str
    fecha: datetime
    vendedor: str
    comprador: str
    comprador_email: str
    producto: str
    cantidad: int
    precio_unitario: Decimal
    total: Decimal


def pesos(valor: Decimal) -> str:
    return f"${valor:,.2f} MXN"


def dibujar_factura(datos: DatosFactura) -> bytes:
    """Return the PDF invoice for one sale."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Factura {datos.numero}")
    pdf.set_author(TIENDA)
    pdf.set_creation_date(datos.fecha)
    pdf.add_font("DejaVu", "", FUENTES / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FUENTES / "DejaVuSans-Bold.ttf")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)

    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, TIENDA, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"Factura {datos.numero}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Fecha: {datos.fecha:%d/%m/%Y %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(85, 7, "Vendedor")
    pdf.cell(0, 7, "Comprador", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(85, 7, datos.vendedor)
    pdf.cell(0, 7, datos.comprador, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(85, 7, "")
    pdf.cell(0, 7, datos.comprador_email, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    with pdf.table(col_widths=(70, 24, 38, 38), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as tabla:
        tabla.row(("Producto", "Cantidad", "Precio unitario", "Importe"))
        tabla.row((datos.producto, str(datos.cantidad), pesos(datos.precio_unitario), pesos(datos.total)))
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 9, f"Total: {pesos(datos.total)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.ln(10)
    pdf.multi_cell(0, 5, "Gracias por tu compra. Conserva esta factura como comprobante.")
    return bytes(pdf.output())
