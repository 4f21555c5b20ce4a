from django.contrib import admin

from .models import EmailCuenta


@admin.register(EmailCuenta)
class EmailCuentaAdmin(admin.ModelAdmin):
    """Which account emails went out and when; read-only (the bodies hold one-time links until sent)."""

    list_display = ["pk", "plantilla", "destinatarios", "asunto", "creado", "enviado"]
    list_filter = ["plantilla", ("enviado", admin.EmptyFieldListFilter)]
    search_fields = ["asunto", "para"]
    fields = ["plantilla", "para", "remitente", "asunto", "creado", "enviado"]
    readonly_fields = fields

    @admin.display(description="para")
    def destinatarios(self, obj):
        return ", ".join(obj.para)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
