from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from . import services
from .models import (
    CarritoCompra,
    DireccionEnvio,
    EnvioEmail,
    EstadisticaVentas,
    ItemCarrito,
    LineaVenta,
    MovimientoInventario,
    Producto,
    Proveedor,
    Venta,
)


@admin.register(Proveedor)
class ProveedorAdmin(admin.ModelAdmin):
    list_display = ["nombre", "email"]
    search_fields = ["nombre", "email"]


class AjusteStockAdminForm(forms.Form):
    motivo = forms.ChoiceField(label="Motivo", choices=[(m.value, m.label) for m in services.MOTIVOS_DE_AJUSTE])
    cantidad = forms.IntegerField(label="Cantidad", help_text="Positiva suma unidades, negativa las resta.")


@admin.register(Producto)
class ProductoAdmin(admin.ModelAdmin):
    """Products; ``stock`` is read-only: it moves only through movements (the actions below)."""

    list_display = ["nombre", "precio", "stock", "stock_minimo", "stock_bajo", "vendedor", "proveedor", "activo"]
    list_filter = ["activo", "proveedor", "vendedor"]
    search_fields = ["nombre", "descripcion"]
    list_select_related = ["vendedor", "proveedor"]
    readonly_fields = ["stock"]
    actions = ["reponer_10", "ajustar_stock"]

    @admin.display(boolean=True, description="Stock bajo")
    def stock_bajo(self, obj):
        return obj.stock_bajo

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # a new product starts at the default, 0
            return
        # Only what the form holds: writing every field would put back the stock read when
        # the form was loaded, undoing any sale committed since.
        obj.save(update_fields=[campo for campo in form.fields if campo != "stock"])
        services.actualizar_inventario(producto_id=obj.pk)

    @admin.action(description="Ajustar stock (registra un movimiento)")
    def ajustar_stock(self, request, queryset):
        form = AjusteStockAdminForm(request.POST if "aplicar" in request.POST else None)
        if form.is_valid():
            hechos, errores = 0, []
            for producto in queryset:
                try:
                    services.ajustar_stock(
                        producto_id=producto.pk,
                        cantidad=form.cleaned_data["cantidad"],
                        motivo=form.cleaned_data["motivo"],
                    )
                    hechos += 1
                except services.ErrorVenta as error:
                    errores.append(str(error))
            if hechos:
                self.message_user(request, f"Stock ajustado en {hechos} productos.", messages.SUCCESS)
            for error in errores:
                self.message_user(request, error, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            "admin/ventas/producto/ajustar_stock.html",
            {
                **self.admin_site.each_context(request),
                "title": "Ajustar stock",
                "productos": queryset,
                "form": form,
                "opts": self.model._meta,
                "accion": "ajustar_stock",
                "seleccion": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            },
        )

    @admin.action(description="Reponer 10 unidades")
    def reponer_10(self, request, queryset):
        for producto in queryset:
            services.reponer_stock(producto_id=producto.pk, cantidad=10)
        self.message_user(request, f"Repuestas 10 unidades de {queryset.count()} productos.", messages.SUCCESS)


class LineaVentaInline(admin.TabularInline):
    model = LineaVenta
    extra = 0
    can_delete = False
    fields = ["producto", "vendedor", "cantidad", "precio_unitario", "subtotal"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Venta)
class VentaAdmin(admin.ModelAdmin):
    """Orders are written by the checkout and moved by the state services: read-only here."""

    list_display = ["numero", "comprador", "total", "estado", "email_enviado", "fecha_creacion", "fecha_pago"]
    list_filter = ["estado", "email_enviado", "fecha_creacion"]
    search_fields = ["numero", "lineas__producto__nombre", "comprador__username", "comprador__email"]
    list_select_related = ["comprador"]
    date_hierarchy = "fecha_creacion"
    inlines = [LineaVentaInline]
    readonly_fields = [
        "numero",
        "comprador",
        "estado",
        "total",
        "envio_nombre",
        "envio_direccion",
        "envio_ciudad",
        "envio_codigo_postal",
        "envio_telefono",
        "metodo_pago",
        "pago_referencia",
        "pago_nota",
        "email_enviado",
        "factura",
        "fecha_creacion",
        "fecha_pago",
        "fecha_preparada",
        "transportista",
        "guia",
        "fecha_enviada",
        "fecha_entregada",
        "fecha_cancelada",
        "reembolso",
    ]
    actions = ["cancelar_y_reembolsar"]

    @admin.display(description="Reembolso")
    def reembolso(self, obj):
        reembolso = getattr(obj, "reembolso", None)
        if reembolso is None:
            return "—"
        return f"{reembolso.get_estado_display()} {reembolso.refund_id} {reembolso.ultimo_error[:200]}".strip()

    @admin.action(description="Cancelar y reembolsar", permissions=["change"])
    def cancelar_y_reembolsar(self, request, queryset):
        """The same service the buyer's button calls: refund once, stock back, everyone told."""
        from almacen import services as almacen

        for venta in queryset.order_by("pk"):
            try:
                almacen.cancelar(venta_id=venta.pk)
            except almacen.TransicionInvalida as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(request, f"Pedido {venta.numero} cancelado; reembolso en curso.", messages.SUCCESS)


@admin.register(DireccionEnvio)
class DireccionEnvioAdmin(admin.ModelAdmin):
    list_display = ["usuario", "nombre", "direccion", "ciudad", "codigo_postal"]
    search_fields = ["usuario__username", "nombre", "direccion", "ciudad", "codigo_postal"]
    list_select_related = ["usuario"]


class ItemCarritoInline(admin.TabularInline):
    model = ItemCarrito
    extra = 0
    raw_id_fields = ["producto"]


@admin.register(CarritoCompra)
class CarritoCompraAdmin(admin.ModelAdmin):
    list_display = ["usuario", "creado", "ultima_modificacion", "comprado", "recordatorio_enviado"]
    list_filter = ["comprado", "ultima_modificacion"]
    search_fields = ["usuario__username", "usuario__email"]
    inlines = [ItemCarritoInline]


@admin.register(MovimientoInventario)
class MovimientoInventarioAdmin(admin.ModelAdmin):
    list_display = ["fecha", "producto", "cantidad", "motivo", "stock_resultante", "venta"]
    list_filter = ["motivo", "fecha"]
    search_fields = ["producto__nombre", "venta__numero"]
    list_select_related = ["producto", "venta"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EnvioEmail)
class EnvioEmailAdmin(admin.ModelAdmin):
    list_display = ["clave", "reclamado", "enviado", "intentos"]
    list_filter = ["enviado"]
    search_fields = ["clave"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EstadisticaVentas)
class EstadisticaVentasAdmin(admin.ModelAdmin):
    """Read-only: the snapshot is rewritten by the ``actualizar_estadisticas`` Beat job."""

    list_display = ["nombre", "calculado"]
    readonly_fields = ["nombre", "datos", "calculado"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
