from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from .health import health, health_detalle


def foto_de_producto(request, path):
    # MEDIA_ROOT read per request, not when the URLconf is imported: a test that points
    # MEDIA_ROOT elsewhere for its first request would otherwise pin it for the session.
    return serve(request, path, document_root=f"{settings.MEDIA_ROOT}/productos")


urlpatterns = [
    path("", include("ventas.urls")),
    path("almacen/", include("almacen.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/detalle/", health_detalle, name="health_detalle"),
    path("imagenes/", include("imagenes.urls")),
    path("pagos/", include("pagos.urls")),
    # Media are private-ish (invoices go through their own view); only uploaded
    # product photos are served here. Production puts a web server or bucket in front.
    path(f"{settings.MEDIA_URL.strip('/')}/productos/<path:path>", foto_de_producto),
]
