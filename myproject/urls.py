from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .health import health, health_detalle
from .media import foto_de_producto

urlpatterns = [
    path("", include("ventas.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/detalle/", health_detalle, name="health_detalle"),
    path("imagenes/", include("imagenes.urls")),
    path("pagos/", include("pagos.urls")),
    # Media are private (invoices, image versions: their own views check who asks); only
    # product photos are public, streamed from the storage here, local disk or S3 alike.
    path(f"{settings.MEDIA_URL.strip('/')}/productos/<path:path>", foto_de_producto),
]
