from django.contrib import admin

from .models import Notificacion


@admin.register(Notificacion)
class NotificacionAdmin(admin.ModelAdmin):
    list_display = ["creada", "usuario", "secuencia", "tipo", "titulo", "leida"]
    list_filter = ["tipo", "leida", "creada"]
    search_fields = ["titulo", "mensaje", "usuario__username"]
    list_select_related = ["usuario"]
