from django.contrib import admin, messages

from .models import EventoStripe, Pago, Reembolso


class SoloLectura(admin.ModelAdmin):
    """Written by the payment tasks and the webhook only: the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pago)
class PagoAdmin(SoloLectura):
    list_display = ["venta", "payment_intent_id", "estado_stripe", "monto_centavos", "moneda", "cerrado"]
    list_filter = ["estado_stripe", "cerrado", "moneda"]
    search_fields = ["payment_intent_id", "venta__numero"]
    list_select_related = ["venta"]
    exclude = ["client_secret"]


@admin.register(EventoStripe)
class EventoStripeAdmin(SoloLectura):
    list_display = ["evento_id", "tipo", "recibido", "procesado", "resultado"]
    list_filter = ["tipo", "procesado"]
    search_fields = ["evento_id"]
    date_hierarchy = "recibido"


@admin.register(Reembolso)
class ReembolsoAdmin(SoloLectura):
    """Refunds: a ``fallido`` one (Stripe refused) or a ``pendiente`` one with an error needs a person."""

    list_display = ["venta", "estado", "refund_id", "monto_centavos", "intentos", "ultimo_error", "fecha_creacion"]
    list_filter = ["estado"]
    search_fields = ["refund_id", "payment_intent_id", "venta__numero"]
    list_select_related = ["venta"]
    actions = ["reintentar"]

    @admin.action(description="Reintentar el reembolso", permissions=["reintentar"])
    def reintentar(self, request, queryset):
        from .reembolsos import reintentar

        cuantos = reintentar(venta_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{cuantos} reembolsos se intentarán de nuevo.", messages.SUCCESS)

    def has_reintentar_permission(self, request):
        return request.user.has_perm("pagos.change_reembolso")
