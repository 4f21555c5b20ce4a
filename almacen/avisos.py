"""Who hears of an order's fulfilment, and what their pages need: the buyer, its sellers, the warehouse."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from notificaciones.services import notificar
from ventas.models import LineaVenta, Venta

GRUPO = "Almacén"
TIPO_ALMACEN = "pedido_almacen"

TITULOS = {
    Venta.Estado.PAGADA: "Pedido pagado",
    Venta.Estado.PREPARADA: "Pedido preparado",
    Venta.Estado.ENVIADA: "Pedido enviado",
    Venta.Estado.ENTREGADA: "Pedido entregado",
    Venta.Estado.CANCELADA: "Pedido cancelado",
}


def usuarios_del_almacen():
    """Return the active members of the warehouse group."""
    return get_user_model().objects.filter(groups__name=GRUPO, is_active=True).order_by("pk")


def es_del_almacen(usuario) -> bool:
    return usuario.is_authenticated and (usuario.is_superuser or usuario.groups.filter(name=GRUPO).exists())


def _hora(fecha) -> str | None:
    return timezone.localtime(fecha).isoformat() if fecha else None


def datos_de_venta(venta: Venta) -> dict:
    """Return the order's state and fulfilment, as every live page and the buyer's JSON show it."""
    return {
        "venta_id": venta.pk,
        "numero": venta.numero,
        "estado": venta.estado,
        "estado_texto": venta.get_estado_display(),
        "transportista": venta.transportista,
        "guia": venta.guia,
        "fechas": {
            "pagada": _hora(venta.fecha_pago),
            "preparada": _hora(venta.fecha_preparada),
            "enviada": _hora(venta.fecha_enviada),
            "entregada": _hora(venta.fecha_entregada),
            "cancelada": _hora(venta.fecha_cancelada),
        },
    }


def datos_para_el_almacen(venta: Venta) -> dict:
    """Return what the warehouse page needs to add the order: its lines, quantities and address (no prices)."""
    return {
        **datos_de_venta(venta),
        "fecha": _hora(venta.fecha_pago or venta.fecha_creacion),
        "envio": {
            "nombre": venta.envio_nombre,
            "direccion": venta.envio_direccion,
            "ciudad": venta.envio_ciudad,
            "codigo_postal": venta.envio_codigo_postal,
            "telefono": venta.envio_telefono,
        },
        "lineas": [
            {"producto_id": linea.producto_id, "producto": linea.producto.nombre, "cantidad": linea.cantidad}
            for linea in venta.lineas.select_related("producto").order_by("pk")
        ],
    }


def _aviso(venta: Venta, tipo: str, datos: dict) -> dict:
    titulo = f"{TITULOS.get(venta.estado, venta.get_estado_display())}: {venta.numero}"
    mensaje = ""
    if venta.estado == Venta.Estado.ENVIADA:
        mensaje = f"Va con {venta.transportista}, guía {venta.guia}."
    return {"tipo": tipo, "titulo": titulo, "mensaje": mensaje, "datos": datos}


def avisar_cambio(venta: Venta, *, almacen: bool = True) -> None:
    """Tell the buyer, each seller of its lines and (``almacen``) the warehouse the order's new state.

    Written in user id order, as ``ventas.services.estados._avisar`` does, so two orders
    sharing users cannot deadlock on their sequence counters.
    """
    datos = datos_de_venta(venta)
    avisos: dict[int, list[dict]] = {venta.comprador_id: [_aviso(venta, "venta_actualizada", datos)]}
    vendedores = LineaVenta.objects.filter(venta=venta).values_list("vendedor_id", flat=True).distinct()
    for vendedor_id in set(vendedores):
        avisos.setdefault(vendedor_id, []).append(_aviso(venta, "venta_actualizada", datos))
    if almacen:
        para_almacen = datos_para_el_almacen(venta)
        for usuario_id in usuarios_del_almacen().values_list("pk", flat=True):
            avisos.setdefault(usuario_id, []).append(_aviso(venta, TIPO_ALMACEN, para_almacen))
    _enviar(avisos)


def avisar_al_almacen(venta: Venta) -> int:
    """Tell every warehouse user about a paid (or cancelled) order, with what their page needs; return how many."""
    datos = datos_para_el_almacen(venta)
    ids = list(usuarios_del_almacen().values_list("pk", flat=True))
    _enviar({usuario_id: [_aviso(venta, TIPO_ALMACEN, datos)] for usuario_id in ids})
    return len(ids)


def _enviar(avisos: dict[int, list[dict]]) -> None:
    usuarios = get_user_model().objects.in_bulk(list(avisos))
    for usuario_id in sorted(avisos):
        for aviso in avisos[usuario_id]:
            notificar(usuario=usuarios[usuario_id], **aviso)
