import kombu.exceptions
import redis
from django.contrib import admin, messages

from . import services
from .models import DeadLetter


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Held task messages: read them, send them again once the cause is fixed, or delete them."""

    list_display = ["task_name", "task_id", "queue", "deliveries", "first_seen", "last_seen", "status", "times_retried"]
    list_filter = ["status", "task_name", "queue", "last_seen"]
    search_fields = ["task_name", "task_id"]
    readonly_fields = [field.name for field in DeadLetter._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Reenviar (mismo id de tarea, misma cola y cadena)", permissions=["change"])
    def retry(self, request, queryset):
        sent = 0
        for letter in queryset:
            try:
                sent += services.retry(dead_letter_id=letter.pk)
            except (redis.RedisError, kombu.exceptions.OperationalError) as error:
                self.message_user(request, f"{letter}: no se pudo reenviar, sigue retenido ({error}).", messages.ERROR)
        if sent:
            self.message_user(request, f"{sent} mensajes reenviados.", messages.SUCCESS)
        if skipped := queryset.count() - sent:
            self.message_user(
                request, f"{skipped} no estaban retenidos (o fallaron) y no se reenviaron.", messages.WARNING
            )
