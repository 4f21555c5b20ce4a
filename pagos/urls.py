from django.urls import path

from . import views

app_name = "pagos"

urlpatterns = [
    path("stripe/webhook/", views.webhook_stripe, name="webhook_stripe"),
    path("ventas/<int:venta_id>/autenticado/", views.autenticado, name="autenticado"),
]
