from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from .health import health, health_detalle

urlpatterns = [
    path("", include("ventas.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/detalle/", health_detalle, name="health_detalle"),
    path("imagenes/", include("imagenes.urls")),
    # Media are private-ish (invoices go through their own view); only uploaded
    # product photos are served here. Production puts a web server or bucket in front.
    path(
        f"{settings.MEDIA_URL.strip('/')}/productos/<path:path>",
        serve,
        {"document_root": f"{settings.MEDIA_ROOT}/productos"},
    ),
]
