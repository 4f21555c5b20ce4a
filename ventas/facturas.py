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
class LineaFactura:
    producto: str
    vendedor: str
    cantidad: int
    precio_unitario: Decimal
    subtotal: Decimal


@dataclass(frozen=True)
class DatosFactura:
    numero: str
    fecha: datetime
    comprador: str
    comprador_email: str
    # The shipping address, one line per item (name, street, postal code and city, phone).
    envio: tuple[str, ...]
    lineas: tuple[LineaFactura, ...]
    total: Decimal


def pesos(valor: Decimal) -> str:
    return f"${valor:,.2f} MXN"


def nuevo_pdf(titulo: str, fecha: datetime) -> FPDF:
    """Return an A4 document of the shop with its fonts loaded and its first page open (invoices, packing slips)."""
    pdf = FPDF(format="A4")
    pdf.set_title(titulo)
    pdf.set_author(TIENDA)
    pdf.set_creation_date(fecha)
    pdf.add_font("DejaVu", "", FUENTES / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FUENTES / "DejaVuSans-Bold.ttf")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    return pdf


def dibujar_factura(datos: DatosFactura) -> bytes:
    """Return the PDF invoice for one order: every line, the shipping address, the total."""
    pdf = nuevo_pdf(f"Factura {datos.numero}", datos.fecha)

    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, TIENDA, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"Factura {datos.numero}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Fecha: {datos.fecha:%d/%m/%Y %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(85, 7, "Comprador")
    pdf.cell(0, 7, "Enviar a", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    izquierda = (datos.comprador, datos.comprador_email)
    for fila in range(max(len(izquierda), len(datos.envio))):
        pdf.cell(85, 7, izquierda[fila] if fila < len(izquierda) else "")
        pdf.cell(0, 7, datos.envio[fila] if fila < len(datos.envio) else "", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    with pdf.table(col_widths=(58, 34, 20, 30, 30), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")) as tabla:
        tabla.row(("Producto", "Vendedor", "Cantidad", "Precio unitario", "Importe"))
        for linea in datos.lineas:
            tabla.row(
                (
                    linea.producto,
                    linea.vendedor,
                    str(linea.cantidad),
                    pesos(linea.precio_unitario),
                    pesos(linea.subtotal),
                )
            )
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 9, f"Total: {pesos(datos.total)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.ln(10)
    pdf.multi_cell(0, 5, "Gracias por tu compra. Conserva esta factura como comprobante.")
    return bytes(pdf.output())
