"""A seller's own shop: their products (stock only through adjustments), photos and order lines.

A product that is not the seller's answers 404, as a missing one does: no probing for ids.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from imagenes import selectors as imagenes
from imagenes import services as servicios_imagenes
from imagenes.forms import FotosProductoForm
from imagenes.models import ImagenUsuario
from imagenes.views import subidas_de_mas
from ventas import selectors, services

from .exportar import filas_csv
from .forms import AjusteStockForm, FiltroVentasForm, ProductoForm

LINEAS_POR_PAGINA = 50
MOVIMIENTOS_VISIBLES = 50


def _solo_vendedores(request) -> None:
    if not selectors.es_vendedor(request.user):
        raise PermissionDenied("Solo los vendedores administran productos.")


def _producto_propio(request, producto_id: int):
    return get_object_or_404(selectors.productos_de(request.user), pk=producto_id)


@login_required
def productos(request):
    _solo_vendedores(request)
    return render(request, "vendedor/productos.html", {"productos": selectors.productos_de(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def nuevo_producto(request):
    _solo_vendedores(request)
    form = ProductoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            producto = services.crear_producto(vendedor=request.user, **form.cleaned_data)
        except services.ProveedorRequerido as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Creaste «{producto.nombre}». Agrega sus unidades y sus fotos.")
            return redirect("vendedor:stock", producto.pk)
    estado = 400 if request.method == "POST" else 200
    return render(request, "vendedor/producto_form.html", {"form": form, "producto": None}, status=estado)


def _pagina_edicion(request, producto, *, form=None, fotos_form=None, status=200):
    return render(
        request,
        "vendedor/producto_form.html",
        {
            "producto": producto,
            "form": form or ProductoForm(instance=producto),
            "fotos_form": fotos_form or FotosProductoForm(),
            "fotos": imagenes.fotos_de_producto(producto.pk),
            "estados_fotos": dict(ImagenUsuario.Estado.choices),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def editar_producto(request, producto_id: int):
    producto = _producto_propio(request, producto_id)
    if request.method != "POST":
        return _pagina_edicion(request, producto)
    form = ProductoForm(request.POST, instance=producto)
    if not form.is_valid():
        return _pagina_edicion(request, producto, form=form, status=400)
    # The ModelForm wrote the cleaned values onto the instance; the service saves only those.
    services.editar_producto(producto=producto, **{campo: form.cleaned_data[campo] for campo in form.fields})
    messages.success(request, f"Guardaste «{producto.nombre}».")
    return redirect("vendedor:productos")


@require_POST
@login_required
def subir_fotos(request, producto_id: int):
    """Take one or several photos for the product: each checked before it is stored, then the image chord."""
    producto = _producto_propio(request, producto_id)
    if (espera := subidas_de_mas(request)) is not None:
        # The same per-user allowance as /imagenes/subir/: one send of the form counts once.
        messages.error(request, f"Subiste demasiadas imágenes seguidas. Espera {espera} segundos.")
        respuesta = _pagina_edicion(request, producto, status=429)
        respuesta["Retry-After"] = str(espera)
        return respuesta
    form = FotosProductoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _pagina_edicion(request, producto, fotos_form=form, status=400)
    for archivo, info in form.subidas:
        servicios_imagenes.crear_imagen(
            usuario=request.user,
            archivo=archivo,
            descripcion=producto.nombre[:300],
            formato=info.formato,
            filtro=form.cleaned_data["filtro"],
            producto=producto,
        )
    n = len(form.subidas)
    messages.success(
        request, f"Recibimos {n} foto{'s' if n != 1 else ''}; aparecerán en el producto cuando estén listas."
    )
    return redirect("vendedor:editar", producto.pk)


@require_http_methods(["GET", "POST"])
@login_required
def ajustar_stock(request, producto_id: int):
    """Change a product's stock by a signed quantity, recorded as a movement (never a value written back)."""
    producto = _producto_propio(request, producto_id)
    form = AjusteStockForm(request.POST or None)
    estado = 200
    if request.method == "POST":
        estado = 400
        if form.is_valid():
            try:
                movimiento = services.ajustar_stock(
                    producto_id=producto.pk,
                    cantidad=form.cleaned_data["cantidad"],
                    motivo=form.cleaned_data["motivo"],
                    productos=selectors.productos_de(request.user),
                )
            except services.ErrorVenta as error:
                form.add_error("cantidad", str(error))
                estado = 409
            else:
                messages.success(
                    request,
                    f"Stock de «{producto.nombre}»: {movimiento.cantidad:+d}, ahora {movimiento.stock_resultante}.",
                )
                return redirect("vendedor:stock", producto.pk)
        producto.refresh_from_db()
    movimientos = producto.movimientos.select_related("venta")[:MOVIMIENTOS_VISIBLES]
    return render(
        request,
        "vendedor/stock.html",
        {"producto": producto, "form": form, "movimientos": movimientos},
        status=estado,
    )


def _lineas_filtradas(request):
    form = FiltroVentasForm(request.GET or None)
    return form, selectors.lineas_del_vendedor(request.user, **form.filtros())


@login_required
def ventas(request):
    _solo_vendedores(request)
    form, lineas = _lineas_filtradas(request)
    pagina = Paginator(lineas, LINEAS_POR_PAGINA).get_page(request.GET.get("page"))
    return render(
        request,
        "vendedor/ventas.html",
        {"form": form, "pagina": pagina, "lineas": pagina},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def ventas_csv(request):
    _solo_vendedores(request)
    form, lineas = _lineas_filtradas(request)
    if form.is_bound and not form.is_valid():
        raise Http404("Filtros no válidos.")
    nombre = f"ventas-{timezone.localdate():%Y%m%d}.csv"
    respuesta = StreamingHttpResponse(
        filas_csv(lineas.iterator(chunk_size=500)), content_type="text/csv; charset=utf-8"
    )
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    return respuesta
