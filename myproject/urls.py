from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cuentas.views import limitar_login_admin

from .health import health, health_detalle
from .media import foto_de_producto

# The admin's login is Django's own view: django-axes locks a username + IP there (it hooks
# authenticate()); this adds allauth's per-IP and per-username limits, as on the shop's login.
admin.site.login = limitar_login_admin(admin.site.login)

urlpatterns = [
    path("", include("ventas.urls")),
    path("vendedor/", include("vendedor.urls")),
    path("notificaciones/", include("notificaciones.urls")),
    path("accounts/", include("cuentas.urls")),
    path("almacen/", include("almacen.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("health/detalle/", health_detalle, name="health_detalle"),
    path("imagenes/", include("imagenes.urls")),
    path("pagos/", include("pagos.urls")),
    # Media are private (invoices, image versions: their own views check who asks); only
    # product photos are public, streamed from the storage here, local disk or S3 alike.
    path(f"{settings.MEDIA_URL.strip('/')}/productos/<path:path>", foto_de_producto),
]
