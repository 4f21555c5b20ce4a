from django.contrib import admin, messages

from . import entregas
from .models import EventoAlmacen


@admin.register(EventoAlmacen)
class EventoAlmacenAdmin(admin.ModelAdmin):
    """The external warehouse's events: a ``muerto`` one failed its attempts (or was refused) and waits here."""

    list_display = ["pk", "venta", "tipo", "estado", "intentos", "creado", "entregado", "error"]
    list_filter = ["estado", "tipo"]
    search_fields = ["=clave", "venta__numero"]
    list_select_related = ["venta"]
    readonly_fields = [f.name for f in EventoAlmacen._meta.fields]
    actions = ["reintentar"]

    @admin.display(description="Último error")
    def error(self, obj):
        return obj.ultimo_error[:120]

    @admin.action(description="Reintentar (con todos sus intentos)", permissions=["change"])
    def reintentar(self, request, queryset):
        cuantos = entregas.reintentar(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{cuantos} eventos se entregarán de nuevo.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
