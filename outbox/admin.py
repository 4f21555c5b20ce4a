from django.contrib import admin, messages

from . import services
from .models import OutboxMessage


class EstadoFilter(admin.SimpleListFilter):
    title = "estado"
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return [("pendiente", "Pendiente"), ("muerto", "Muerto"), ("enviado", "Enviado")]

    def queryset(self, request, queryset):
        match self.value():
            case "pendiente":
                return queryset.filter(sent_at__isnull=True, dead_at__isnull=True)
            case "muerto":
                return queryset.filter(sent_at__isnull=True, dead_at__isnull=False)
            case "enviado":
                return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the services that own their state and published by the relay.

    A dead row (it failed ``OUTBOX_MAX_ATTEMPTS`` times) waits here until someone fixes
    the cause and retries it with the action.
    """

    list_display = [
        "pk",
        "task_name",
        "args",
        "estado",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "dead_at",
        "error",
    ]
    list_filter = [EstadoFilter, "task_name", "created_at"]
    search_fields = ["task_name", "=task_id", "last_error"]
    date_hierarchy = "created_at"
    actions = ["reintentar"]

    @admin.display(description="Estado")
    def estado(self, obj):
        return obj.estado

    @admin.display(description="Último error")
    def error(self, obj):
        return obj.last_error[:120]

    @admin.action(description="Reintentar ahora (con todos sus intentos)", permissions=["reintentar"])
    def reintentar(self, request, queryset):
        cuantos = services.retry(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{cuantos} mensajes se publicarán en la próxima pasada del relay.", messages.SUCCESS
        )

    def has_reintentar_permission(self, request):
        return request.user.has_perm("outbox.change_outboxmessage")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
