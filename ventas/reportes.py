"""Reports and statistics: the daily sales report by email and the dashboards' numbers.

Beat runs these through the thin tasks in ``tasks.py``; both are safe to run twice
(the report is sent once per day, the statistics are a snapshot that is replaced).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import graficas
from .emails import construir_email, enviar_email_una_vez
from .models import ESTADOS_PAGADOS, EstadisticaVentas, LineaVenta

CENTAVOS = Decimal("0.01")
DIAS_ESTADISTICAS = 30
TOP_PRODUCTOS = 5


def zona() -> ZoneInfo:
    """Return the shop's time zone, in which "a day" of sales is counted."""
    return ZoneInfo(settings.TIME_ZONE)


def limites_del_dia(fecha: date) -> tuple[datetime, datetime]:
    """Return the aware [start, end) of a local calendar day (correct across DST changes too)."""
    inicio = datetime.combine(fecha, time.min, tzinfo=zona())
    fin = datetime.combine(fecha + timedelta(days=1), time.min, tzinfo=zona())
    return inicio, fin


def _lineas_validas() -> QuerySet[LineaVenta]:
    """Return the order lines that count as revenue: those of paid orders (not pending, declined,
    expired or cancelled ones)."""
    return LineaVenta.objects.filter(venta__estado__in=ESTADOS_PAGADOS).select_related(
        "venta", "venta__comprador", "producto", "vendedor"
    )


def _dinero(valor: Decimal | None) -> Decimal:
    return (valor or Decimal(0)).quantize(CENTAVOS)


# Daily report
# ------------------------------------------------------------------------------

COLUMNAS_CSV = [
    "numero",
    "fecha_hora",
    "producto",
    "vendedor",
    "comprador",
    "cantidad",
    "precio_unitario",
    "monto",
    "estado",
]


@dataclass(frozen=True)
class ReporteDiario:
    """One local day of sales (the lines of the orders paid that day), with its totals."""

    fecha: date
    ventas: list[LineaVenta]
    unidades: int = 0
    ingresos: Decimal = Decimal("0.00")
    por_vendedor: list[dict] = field(default_factory=list)

    @property
    def sin_ventas(self) -> bool:
        return not self.ventas

    @property
    def pedidos(self) -> int:
        return len({linea.venta_id for linea in self.ventas})

    def csv(self) -> str:
        """Return the sales as CSV (UTF-8 text, local times, money with two decimals)."""
        salida = io.StringIO()
        escritor = csv.writer(salida)
        escritor.writerow(COLUMNAS_CSV)
        for linea in self.ventas:
            escritor.writerow(
                [
                    linea.venta.numero,
                    timezone.localtime(linea.venta.fecha_creacion, zona()).isoformat(timespec="seconds"),
                    linea.producto.nombre,
                    linea.vendedor.get_username(),
                    linea.venta.comprador.get_username(),
                    linea.cantidad,
                    linea.precio_unitario,
                    linea.subtotal,
                    linea.venta.estado,
                ]
            )
        return salida.getvalue()


def reporte_del_dia(fecha: date) -> ReporteDiario:
    """Collect the sales made during ``fecha`` in the shop's local time."""
    inicio, fin = limites_del_dia(fecha)
    lineas = list(
        _lineas_validas()
        .filter(venta__fecha_creacion__gte=inicio, venta__fecha_creacion__lt=fin)
        .order_by("venta__fecha_creacion", "venta_id", "pk")
    )
    vendedores: dict[str, dict] = {}
    for linea in lineas:
        fila = vendedores.setdefault(
            linea.vendedor.get_username(), {"vendedor": linea.vendedor.get_username(), "ventas": 0, "ingresos": 0}
        )
        fila["ventas"] += 1
        fila["ingresos"] += linea.subtotal
    return ReporteDiario(
        fecha=fecha,
        ventas=lineas,
        unidades=sum(linea.cantidad for linea in lineas),
        ingresos=_dinero(sum((linea.subtotal for linea in lineas), Decimal(0))),
        por_vendedor=sorted(vendedores.values(), key=lambda fila: (-fila["ingresos"], fila["vendedor"])),
    )


def ayer(ahora: datetime | None = None) -> date:
    """Return the day before ``ahora`` (default now) in the shop's time zone."""
    return timezone.localdate(ahora or timezone.now(), zona()) - timedelta(days=1)


def generar_reporte_diario(*, fecha: date | None = None) -> bool:
    """Email the managers the report of ``fecha`` (default yesterday), once per day.

    A day with no sales still gets its report, which says so. Return True when this
    call sent it.
    """
    fecha = fecha or ayer()
    reporte = reporte_del_dia(fecha)

    def construir():
        mensaje = construir_email(
            plantilla="reporte_diario",
            asunto=f"Reporte de ventas del {fecha:%Y-%m-%d}"
            + (" — sin ventas" if reporte.sin_ventas else f" — {len(reporte.ventas)} ventas"),
            para=list(settings.MANAGERS_EMAILS),
            contexto={"reporte": reporte},
        )
        mensaje.attach(f"ventas-{fecha:%Y-%m-%d}.csv", reporte.csv(), "text/csv")
        return mensaje

    return enviar_email_una_vez(f"reporte:{fecha:%Y-%m-%d}", construir)


# Statistics
# ------------------------------------------------------------------------------


def _totales(filas) -> dict:
    return {
        "ventas": sum(f["ventas"] for f in filas),
        "unidades": sum(f["unidades"] for f in filas),
        "ingresos": str(_dinero(sum((f["ingresos"] for f in filas), Decimal(0)))),
    }


def _por_dia(filas, dias: list[date]) -> list[dict]:
    """Sum rows per day, with a zero row for each day without sales."""
    suma = {dia: {"ventas": 0, "unidades": 0, "ingresos": Decimal(0)} for dia in dias}
    for fila in filas:
        for clave in ("ventas", "unidades", "ingresos"):
            suma[fila["dia"]][clave] += fila[clave]
    return [{"fecha": dia.isoformat(), **_totales([suma[dia]])} for dia in dias]


def _top_productos(filas) -> list[dict]:
    productos: dict[int, dict] = {}
    for fila in filas:
        producto = productos.setdefault(
            fila["producto_id"],
            {"producto_id": fila["producto_id"], "nombre": fila["producto__nombre"], "unidades": 0, "ingresos": 0},
        )
        producto["unidades"] += fila["unidades"]
        producto["ingresos"] += fila["ingresos"]
    top = sorted(productos.values(), key=lambda p: (-p["unidades"], -p["ingresos"], p["nombre"]))[:TOP_PRODUCTOS]
    return [{**p, "ingresos": str(_dinero(p["ingresos"]))} for p in top]


def calcular_estadisticas(*, hoy: date | None = None, dias: int = DIAS_ESTADISTICAS) -> dict:
    """Return the statistics snapshot: totals and top products (all time), sales per local
    day over the last ``dias`` days, and the same for each seller. Money is a string."""
    hoy = hoy or timezone.localdate(timezone.now(), zona())
    rango = [hoy - timedelta(days=n) for n in range(dias - 1, -1, -1)]
    desde, _ = limites_del_dia(rango[0])
    _, hasta = limites_del_dia(hoy)
    medidas = {"ventas": Count("pk"), "unidades": Sum("cantidad"), "ingresos": Sum("subtotal")}
    ventas = LineaVenta.objects.filter(venta__estado__in=ESTADOS_PAGADOS)
    # Three grouped queries, split per seller in Python.
    por_producto = list(
        ventas.values("vendedor_id", "vendedor__username", "producto_id", "producto__nombre")
        .order_by()
        .annotate(**medidas)
    )
    por_dia = list(
        ventas.filter(venta__fecha_creacion__gte=desde, venta__fecha_creacion__lt=hasta)
        .annotate(dia=TruncDate("venta__fecha_creacion", tzinfo=zona()))
        .values("vendedor_id", "dia")
        .order_by()
        .annotate(**medidas)
    )
    vendedores = {fila["vendedor_id"]: fila["vendedor__username"] for fila in por_producto}
    return {
        "desde": rango[0].isoformat(),
        "hasta": hoy.isoformat(),
        "totales": _totales(por_producto),
        "por_dia": _por_dia(por_dia, rango),
        "top_productos": _top_productos(por_producto),
        "por_vendedor": {
            str(vendedor_id): {
                "vendedor": nombre,
                "totales": _totales([f for f in por_producto if f["vendedor_id"] == vendedor_id]),
                "por_dia": _por_dia([f for f in por_dia if f["vendedor_id"] == vendedor_id], rango),
                "top_productos": _top_productos([f for f in por_producto if f["vendedor_id"] == vendedor_id]),
            }
            for vendedor_id, nombre in sorted(vendedores.items(), key=lambda par: par[1])
        },
    }


def actualizar_estadisticas() -> EstadisticaVentas:
    """Recompute the statistics and replace the stored snapshot."""
    estadistica, _ = EstadisticaVentas.objects.update_or_create(
        nombre="ventas", defaults={"datos": calcular_estadisticas(), "calculado": timezone.now()}
    )
    return estadistica


def estadisticas_actuales() -> EstadisticaVentas | None:
    """Return the latest stored snapshot, or None before the first refresh."""
    return EstadisticaVentas.objects.filter(nombre="ventas").first()


def estadisticas_de_vendedor(vendedor_id: int) -> tuple[dict | None, datetime | None]:
    """Return one seller's part of the latest snapshot (None if they sold nothing) and its time."""
    estadistica = estadisticas_actuales()
    if estadistica is None:
        return None, None
    return estadistica.datos.get("por_vendedor", {}).get(str(vendedor_id)), estadistica.calculado


def grafica_ingresos(por_dia: list[dict], *, titulo: str) -> SafeString:
    """Return the revenue-per-day bar chart of a snapshot's ``por_dia`` as safe inline SVG."""
    # barras_svg escapes every text it writes.
    return mark_safe(
        graficas.barras_svg(
            [dia["fecha"][5:] for dia in por_dia], [Decimal(dia["ingresos"]) for dia in por_dia], titulo=titulo
        )
    )
