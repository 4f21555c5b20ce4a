from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from notificaciones import selectors as notificaciones

from . import selectors, services
from .forms import CambiarCantidadForm, CantidadForm
from .models import ItemCarrito, Producto


def catalogo(request):
    buscar = request.GET.get("q", "").strip()[:100]
    return render(
        request, "ventas/catalogo.html", {"productos": selectors.productos_en_catalogo(buscar), "buscar": buscar}
    )


def producto(request, producto_id):
    return _pagina_producto(request, producto_id)


def _pagina_producto(request, producto_id, *, form=None, status=200):
    producto = get_object_or_404(selectors.productos_activos(), pk=producto_id)
    return render(
        request, "ventas/producto.html", {"producto": producto, "form": form or CantidadForm()}, status=status
    )


def _llamar_con_cantidad(request, producto_id, servicio, **datos):
    """Call ``servicio`` for the product with the posted ``cantidad``; refuse like the product page.

    Return ``(result, None)``, or ``(None, response)`` when refused: bad input re-renders
    the product page with the form error (400), a sale the shopper can fix with its
    reason on ``cantidad`` (409). An unknown or inactive product is 404.
    """
    form = CantidadForm(request.POST)
    if not form.is_valid():
        return None, _pagina_producto(request, producto_id, form=form, status=400)
    try:
        return servicio(producto_id=producto_id, cantidad=form.cleaned_data["cantidad"], **datos), None
    except Producto.DoesNotExist:
        raise Http404("Ese producto no existe.") from None
    except services.ErrorVenta as error:
        form.add_error("cantidad", str(error))
        return None, _pagina_producto(request, producto_id, form=form, status=409)


@require_POST
@login_required
def comprar(request, producto_id):
    venta, rechazo = _llamar_con_cantidad(request, producto_id, services.comprar, comprador=request.user)
    if rechazo is not None:
        return rechazo
    messages.success(request, f"¡Gracias! Tu compra {venta.numero} está confirmada.")
    return redirect(venta)


@login_required
def mis_compras(request):
    ventas = selectors.ventas_visibles(request.user).filter(comprador=request.user)[:50]
    return render(request, "ventas/mis_compras.html", {"ventas": ventas})


def _venta_visible(request, venta_id):
    return get_object_or_404(selectors.ventas_visibles(request.user), pk=venta_id)


@login_required
def venta(request, venta_id):
    return render(request, "ventas/venta.html", {"venta": _venta_visible(request, venta_id)})


@require_GET
@login_required
def venta_estado(request, venta_id):
    """Return the sale's progress as JSON; the sale page polls it until all is done."""
    venta = _venta_visible(request, venta_id)
    return JsonResponse(
        {
            "numero": venta.numero,
            "estado": venta.estado,
            "email_enviado": venta.email_enviado,
            "factura_url": venta.get_absolute_url() + "factura.pdf" if venta.factura else None,
        }
    )


@login_required
def factura(request, venta_id):
    venta = _venta_visible(request, venta_id)
    if not venta.factura:
        raise Http404("La factura aún se está generando.")
    return FileResponse(
        venta.factura.open("rb"), content_type="application/pdf", filename=f"factura-{venta.numero}.pdf"
    )


@login_required
def carrito(request):
    carrito = selectors.carrito_abierto(request.user)
    items = selectors.items_del_carrito(carrito) if carrito else []
    return render(request, "ventas/carrito.html", {"carrito": carrito, "items": items})


@require_POST
@login_required
def agregar_al_carrito(request, producto_id):
    item, rechazo = _llamar_con_cantidad(request, producto_id, services.agregar_al_carrito, usuario=request.user)
    if rechazo is not None:
        return rechazo
    messages.success(request, f"Agregaste {item.producto.nombre} a tu carrito.")
    return redirect("ventas:carrito")


@require_POST
@login_required
def cambiar_cantidad(request, item_id):
    form = CambiarCantidadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Cantidad no válida.")
        return redirect("ventas:carrito")
    try:
        services.cambiar_cantidad(usuario=request.user, item_id=item_id, cantidad=form.cleaned_data["cantidad"])
    except ItemCarrito.DoesNotExist:
        raise Http404("Ese artículo no está en tu carrito.") from None
    except services.ErrorVenta as error:
        messages.error(request, str(error))
    return redirect("ventas:carrito")


@require_POST
@login_required
def comprar_carrito(request):
    try:
        ventas = services.comprar_carrito(usuario=request.user)
    except services.ErrorVenta as error:
        messages.error(request, str(error))
        return redirect("ventas:carrito")
    messages.success(request, f"¡Gracias! Confirmamos {len(ventas)} compras.")
    return redirect("ventas:mis_compras")


@login_required
def estadisticas(request):
    """Show staff the latest sales statistics (a snapshot Beat refreshes every 5 minutes)."""
    if not request.user.is_staff:
        raise PermissionDenied("Solo el personal ve las estadísticas.")
    return render(request, "ventas/estadisticas.html")


@login_required
def panel_vendedor(request):
    if not selectors.es_vendedor(request.user):
        raise PermissionDenied("Solo los vendedores tienen panel.")
    # Read before the tables: a sale notified after this sequence is applied live by the page.
    ultima_secuencia = notificaciones.ultima_secuencia(usuario_id=request.user.pk)
    productos = selectors.productos_del_vendedor(request.user)
    ventas = selectors.ventas_visibles(request.user).filter(vendedor=request.user)[:20]
    return render(
        request,
        "ventas/panel_vendedor.html",
        {"productos": productos, "ventas": ventas, "ultima_secuencia": ultima_secuencia},
    )
