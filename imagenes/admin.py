from django.contrib import admin, messages
from django.utils.html import format_html

from . import services
from .models import ImagenUsuario


@admin.register(ImagenUsuario)
class ImagenUsuarioAdmin(admin.ModelAdmin):
    list_display = ["pk", "miniatura", "usuario", "estado", "contenido_seguro", "confianza_analisis", "creada"]
    list_filter = ["estado", "contenido_seguro", "creada"]
    search_fields = ["descripcion", "usuario__username"]
    list_select_related = ["usuario"]
    readonly_fields = [
        "usuario", "archivo_original", "archivo_thumbnail", "archivo_medium", "archivo_large", "metadatos",
        "contenido_seguro", "confianza_analisis", "categorias", "nota_moderacion", "estado", "error", "creada",
        "actualizada", "miniatura",
    ]  # fmt: skip
    actions = ["aprobar", "rechazar"]

    @admin.display(description="Vista previa")
    def miniatura(self, imagen):
        url = imagen.url_version("thumbnail")
        return format_html('<img src="{}" alt="" width="75">', url) if url else "—"

    def _revisar(self, request, queryset, *, aprobar: bool):
        hechas = 0
        for imagen in queryset:
            try:
                if services.revisar(imagen_id=imagen.pk, aprobar=aprobar, revisor=request.user):
                    hechas += 1
            except services.ErrorImagen as error:
                self.message_user(request, f"{imagen}: {error}", messages.WARNING)
        self.message_user(request, f"{hechas} imágenes {'aprobadas' if aprobar else 'rechazadas'}.")

    @admin.action(description="Aprobar (contenido seguro)")
    def aprobar(self, request, queryset):
        self._revisar(request, queryset, aprobar=True)

    @admin.action(description="Rechazar (contenido no apto)")
    def rechazar(self, request, queryset):
        self._revisar(request, queryset, aprobar=False)
