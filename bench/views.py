"""Views that exist only to be measured next to the real checkout."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.views.decorators.http import require_POST

from ventas import services
from ventas.models import Producto, Venta


@require_POST
@login_required
def piso(request, producto_id):
    """The floor: the least a checkout can do — insert one sale row and redirect."""
    producto = Producto.objects.get(pk=producto_id)
    venta = Venta.objects.create(
        producto=producto,
        comprador=request.user,
        vendedor_id=producto.vendedor_id,
        cantidad=1,
        precio_unitario=producto.precio,
        monto=producto.precio,
    )
    return HttpResponseRedirect(f"/ventas/{venta.pk}/")


@require_POST
@login_required
def en_linea(request, producto_id):
    """The naive shop: the same purchase, with invoice, email and stock check done in the request."""
    venta = services.comprar(comprador=request.user, producto_id=producto_id, cantidad=int(request.POST["cantidad"]))
    services.generar_factura_pdf(venta_id=venta.pk)
    services.enviar_email_confirmacion(venta_id=venta.pk)
    services.actualizar_inventario(producto_id=producto_id)
    return HttpResponseRedirect(venta.get_absolute_url())
