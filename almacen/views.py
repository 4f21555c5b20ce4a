"""The warehouse page and its actions: members of the "Almacén" group only (403 for anyone else)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from notificaciones import selectors as notificaciones
from ventas.models import Venta

from . import avisos, remision, selectors, services


def solo_almacen(vista):
    @wraps(vista)
    @login_required
    def envuelta(request, *args, **kwargs):
        if not avisos.es_del_almacen(request.user):
            raise PermissionDenied("Solo el personal del almacén.")
        return vista(request, *args, **kwargs)

    return envuelta


@solo_almacen
def panel(request):
    # Read before the lists: a push after this sequence is applied live by the page.
    ultima_secuencia = notificaciones.ultima_secuencia(usuario_id=request.user.pk)
    return render(
        request,
        "almacen/panel.html",
        {
            "por_preparar": selectors.ventas_del_almacen(Venta.Estado.PAGADA),
            "preparadas": selectors.ventas_del_almacen(Venta.Estado.PREPARADA),
            "enviadas": selectors.ventas_del_almacen(Venta.Estado.ENVIADA),
            "ultima_secuencia": ultima_secuencia,
        },
    )


def _accion(request, hacer, exito: str):
    try:
        venta = hacer()
    except services.TransicionInvalida as error:
        messages.error(request, str(error))
        return redirect("almacen:panel")
    messages.success(request, exito.format(numero=venta.numero))
    return redirect("almacen:panel")


@require_POST
@solo_almacen
def preparar(request, venta_id):
    return _accion(request, lambda: services.preparar(venta_id=venta_id), "Pedido {numero} preparado.")


@require_POST
@solo_almacen
def enviar(request, venta_id):
    return _accion(
        request,
        lambda: services.enviar(
            venta_id=venta_id,
            transportista=request.POST.get("transportista", ""),
            guia=request.POST.get("guia", ""),
        ),
        "Pedido {numero} enviado.",
    )


@require_POST
@solo_almacen
def entregar(request, venta_id):
    return _accion(request, lambda: services.entregar(venta_id=venta_id), "Pedido {numero} entregado.")


@solo_almacen
def remision_pdf(request, venta_id):
    venta = get_object_or_404(Venta.objects.prefetch_related("lineas__producto"), pk=venta_id)
    if not venta.pagada and venta.estado != Venta.Estado.CANCELADA:
        raise Http404("Ese pedido no está pagado.")
    pdf = remision.dibujar_remision(
        remision.DatosRemision(
            numero=venta.numero,
            fecha=timezone.localtime(venta.fecha_pago or venta.fecha_creacion),
            envio=tuple(
                fila
                for fila in (
                    venta.envio_nombre,
                    venta.envio_direccion,
                    f"{venta.envio_codigo_postal} {venta.envio_ciudad}".strip(),
                    venta.envio_telefono and f"Tel. {venta.envio_telefono}",
                )
                if fila
            ),
            lineas=tuple((linea.producto.nombre, linea.cantidad) for linea in venta.lineas.all()),
        )
    )
    respuesta = HttpResponse(pdf, content_type="application/pdf")
    respuesta["Content-Disposition"] = f'inline; filename="remision-{venta.numero}.pdf"'
    return respuesta
