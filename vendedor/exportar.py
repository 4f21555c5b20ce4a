"""The CSV export of a seller's order lines."""

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone

ENCABEZADO = ["pedido", "fecha", "estado", "producto", "cantidad", "precio_unitario", "subtotal"]
# A cell a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class _Eco:
    """A file-like object whose write returns the line, for csv.writer under a streaming response."""

    def write(self, valor: str) -> str:
        return valor


def _celda(valor) -> str:
    texto = str(valor)
    return "'" + texto if texto.startswith(_FORMULA) else texto


def filas_csv(lineas: Iterable) -> Iterator[str]:
    """Yield the CSV lines (header first) of ``lineas`` (LineaVenta with venta and producto loaded)."""
    escritor = csv.writer(_Eco())
    yield "\ufeff" + escritor.writerow(ENCABEZADO)  # the BOM makes spreadsheets read UTF-8
    for linea in lineas:
        venta = linea.venta
        yield escritor.writerow(
            [
                _celda(venta.numero),
                timezone.localtime(venta.fecha_creacion).strftime("%Y-%m-%d %H:%M"),
                venta.estado,
                _celda(linea.producto.nombre),
                linea.cantidad,
                linea.precio_unitario,
                linea.subtotal,
            ]
        )
