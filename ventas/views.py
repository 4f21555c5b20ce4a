from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notificaciones import selectors as notificaciones
from pagos import selectors as pagos

from . import selectors, services
from .forms import CambiarCantidadForm, CantidadForm, CheckoutForm
from .models import ESTADOS_CANCELABLES, ItemCarrito, Producto, Venta

PRODUCTOS_POR_PAGINA = 24
ORDENES_VISIBLES = [
    ("", "Nombre"),
    ("precio", "Precio: menor a mayor"),
    ("-precio", "Precio: mayor a menor"),
    ("nuevos", "Más nuevos"),
]


def catalogo(request):
    buscar = request.GET.get("q", "").strip()[:100]
    orden = request.GET.get("orden", "")
    if orden not in selectors.ORDENES_CATALOGO:
        orden = ""
    pagina = Paginator(selectors.productos_en_catalogo(buscar, orden), PRODUCTOS_POR_PAGINA).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "ventas/catalogo.html",
        {"productos": pagina, "pagina": pagina, "buscar": buscar, "orden": orden, "ordenes": ORDENES_VISIBLES},
    )


def producto(request, producto_id):
    return _pagina_producto(request, producto_id)


def _pagina_producto(request, producto_id, *, form=None, status=200):
    try:
        producto = selectors.producto_con_fotos(producto_id)
    except Producto.DoesNotExist:
        raise Http404("Ese producto no existe.") from None
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


def _pagina_checkout(request, *, lineas, accion, cantidad=None, form=None, error=None, status=200):
    """The checkout page: the lines and total to review, the address, the card, and "Pagar"."""
    total = sum((linea["subtotal"] for linea in lineas), Decimal("0"))
    return render(
        request,
        "ventas/checkout.html",
        {
            "lineas": lineas,
            "total": total,
            "accion": accion,
            "cantidad": cantidad,
            "form": form or CheckoutForm(usuario=request.user),
            "error": error,
        },
        status=status,
    )


def _confirmado(request, venta, form):
    if form.cleaned_data.get("guardar_direccion") and form.cleaned_data.get("direccion") is None:
        services.guardar_direccion(usuario=request.user, envio=form.datos_envio())
    messages.success(request, f"Recibimos tu pedido {venta.numero}. Estamos procesando tu pago.")
    return redirect(venta)


@require_http_methods(["GET", "POST"])
@login_required
def comprar(request, producto_id):
    """Buy now: GET (or a POST with only ``cantidad``, from the product page) shows the checkout; a POST with
    ``metodo_pago`` places the order and answers at once with a 302 to it."""
    datos = request.POST if request.method == "POST" else request.GET
    cantidad_form = CantidadForm(datos)
    if not cantidad_form.is_valid():
        return _pagina_producto(request, producto_id, form=cantidad_form, status=400)
    producto = get_object_or_404(selectors.productos_activos(), pk=producto_id)
    cantidad = cantidad_form.cleaned_data["cantidad"]
    lineas = [{"producto": producto, "cantidad": cantidad, "subtotal": producto.precio * cantidad}]
    pagina = partial(
        _pagina_checkout,
        request,
        lineas=lineas,
        accion=reverse("ventas:comprar", args=[producto_id]),
        cantidad=cantidad,
    )
    if request.method != "POST" or "metodo_pago" not in request.POST:
        return pagina()
    form = CheckoutForm(request.POST, usuario=request.user)
    if not form.is_valid():
        return pagina(form=form, status=400)
    try:
        venta = services.comprar(
            comprador=request.user,
            producto_id=producto_id,
            cantidad=cantidad,
            envio=form.datos_envio(),
            metodo_pago=form.cleaned_data["metodo_pago"],
        )
    except Producto.DoesNotExist:
        raise Http404("Ese producto ya no está a la venta.") from None
    except services.ErrorVenta as error:
        return pagina(form=form, error=str(error), status=409)
    return _confirmado(request, venta, form)


@login_required
def mis_compras(request):
    ventas = selectors.ventas_con_detalle().filter(comprador=request.user)[:50]
    return render(request, "ventas/mis_compras.html", {"ventas": selectors.filas_de_ventas(ventas)})


def _venta_visible(request, venta_id):
    return get_object_or_404(selectors.ventas_visibles(request.user), pk=venta_id)


@login_required
def venta(request, venta_id):
    return render(request, "ventas/venta.html", {"venta": _venta_visible(request, venta_id)})


@require_GET
@login_required
def venta_estado(request, venta_id):
    """Return the order's progress as JSON; the sale page follows it live and polls it as a fallback."""
    venta = _venta_visible(request, venta_id)
    return JsonResponse(
        {
            "numero": venta.numero,
            "estado": venta.estado,
            "estado_texto": venta.get_estado_display(),
            "nota": venta.pago_nota,
            "total": str(venta.total),
            "lineas": [
                {
                    "producto_id": linea.producto_id,
                    "producto": linea.producto.nombre,
                    "cantidad": linea.cantidad,
                    "precio_unitario": str(linea.precio_unitario),
                    "subtotal": str(linea.subtotal),
                }
                for linea in venta.lineas.all()
            ],
            "email_enviado": venta.email_enviado,
            **_seguimiento(venta),
            "factura_url": venta.get_absolute_url() + "factura.pdf" if venta.factura else None,
            "pago": pagos.resumen_pago(venta, request.user),
        }
    )


def _seguimiento(venta) -> dict:
    """Return the order's fulfilment for its page: carrier, tracking number, when each step happened."""
    from almacen.avisos import datos_de_venta

    datos = datos_de_venta(venta)
    return {
        "transportista": datos["transportista"],
        "guia": datos["guia"],
        "fechas": datos["fechas"],
        "cancelable": venta.estado in ESTADOS_CANCELABLES,
    }


@require_http_methods(["GET", "POST"])
@login_required
def cancelar(request, venta_id):
    """The buyer cancels their order before it ships: GET asks to confirm, POST cancels (refund, stock back).

    Someone else's order is 404, as if it did not exist.
    """
    from almacen import services as almacen

    venta = get_object_or_404(Venta, pk=venta_id, comprador=request.user)
    if request.method != "POST":
        return render(request, "ventas/cancelar.html", {"venta": venta})
    try:
        almacen.cancelar(venta_id=venta.pk)
    except almacen.TransicionInvalida as error:
        messages.error(request, str(error))
        return redirect(venta)
    messages.success(request, f"Cancelamos tu pedido {venta.numero}. Te devolveremos el pago a tu tarjeta.")
    return redirect(venta)


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
        messages.error(
            request, f"Escribe una cantidad entera entre 0 y {settings.MAX_CANTIDAD_POR_COMPRA} (0 quita el producto)."
        )
        return redirect("ventas:carrito")
    try:
        services.cambiar_cantidad(usuario=request.user, item_id=item_id, cantidad=form.cleaned_data["cantidad"])
    except ItemCarrito.DoesNotExist:
        raise Http404("Ese artículo no está en tu carrito.") from None
    except services.ErrorVenta as error:
        messages.error(request, str(error))
    return redirect("ventas:carrito")


@require_http_methods(["GET", "POST"])
@login_required
def comprar_carrito(request):
    """The cart's checkout: GET shows it; POST places one order for the whole cart (302 to it)."""
    carrito = selectors.carrito_abierto(request.user)
    items = list(selectors.items_del_carrito(carrito)) if carrito else []
    if not items:
        messages.error(request, "Tu carrito está vacío.")
        return redirect("ventas:carrito")
    lineas = [{"producto": item.producto, "cantidad": item.cantidad, "subtotal": item.subtotal} for item in items]
    pagina = partial(_pagina_checkout, request, lineas=lineas, accion=reverse("ventas:comprar_carrito"))
    if request.method != "POST":
        return pagina()
    form = CheckoutForm(request.POST, usuario=request.user)
    if not form.is_valid():
        return pagina(form=form, status=400)
    try:
        venta = services.comprar_carrito(
            usuario=request.user, envio=form.datos_envio(), metodo_pago=form.cleaned_data["metodo_pago"]
        )
    except services.CarritoVacio as error:
        messages.error(request, str(error))
        return redirect("ventas:carrito")
    except services.ErrorVenta as error:
        return pagina(form=form, error=str(error), status=409)
    return _confirmado(request, venta, form)


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
    ventas = selectors.ventas_pagadas_del_vendedor(request.user)[:20]
    return render(
        request,
        "ventas/panel_vendedor.html",
        {
            "productos": productos,
            "ventas": selectors.filas_de_ventas(ventas, vendedor=request.user),
            "ultima_secuencia": ultima_secuencia,
        },
    )
