"""Views that exist only to be measured next to the real checkout."""

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.views.decorators.http import require_POST

from ventas import services
from ventas import views as ventas_views
from ventas.models import LineaVenta, Producto, Venta


def _envio(post) -> services.DatosEnvio:
    return services.DatosEnvio(
        nombre=post["envio_nombre"],
        direccion=post["envio_direccion"],
        ciudad=post["envio_ciudad"],
        codigo_postal=post["envio_codigo_postal"],
    )


@require_POST
@login_required
def piso(request, producto_id):
    """The floor: the least a checkout can do — insert one order with its one line and redirect."""
    producto = Producto.objects.get(pk=producto_id)
    with transaction.atomic():
        venta = Venta.objects.create(
            comprador=request.user,
            total=producto.precio,
            metodo_pago=request.POST["metodo_pago"],
            **_envio(request.POST).campos_de_venta(),
        )
        LineaVenta.objects.create(
            venta=venta,
            producto=producto,
            vendedor_id=producto.vendedor_id,
            cantidad=1,
            precio_unitario=producto.precio,
            subtotal=producto.precio,
        )
    return HttpResponseRedirect(f"/ventas/{venta.pk}/")


@require_POST
@login_required
def en_linea(request, producto_id):
    """The naive shop: the same purchase, settled, with invoice, email and stock check done in the request.

    (Without the Stripe round trip a naive shop would make here too: this variant is a
    lower bound of what doing the work in the request costs.)
    """
    venta = services.comprar(
        comprador=request.user,
        producto_id=producto_id,
        cantidad=int(request.POST["cantidad"]),
        envio=_envio(request.POST),
        metodo_pago=request.POST["metodo_pago"],
    )
    services.marcar_pagada(venta_id=venta.pk, referencia="pi_en_linea")
    services.generar_factura_pdf(venta_id=venta.pk)
    services.enviar_email_confirmacion(venta_id=venta.pk)
    services.actualizar_inventario(producto_id=producto_id)
    return HttpResponseRedirect(venta.get_absolute_url())


_comprar_en_el_pool = sync_to_async(ventas_views.comprar, thread_sensitive=False)


async def comprar_fuera_del_hilo(request, producto_id):
    """The shop's own checkout view, run on asgiref's thread pool instead of the process's one
    sync thread (``thread_sensitive=False``): what an async checkout would buy without
    rewriting it. The middleware around it still runs on that one thread."""
    return await _comprar_en_el_pool(request, producto_id)
