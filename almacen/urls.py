from django.urls import path

from . import views

app_name = "almacen"

urlpatterns = [
    path("", views.panel, name="panel"),
    path("ventas/<int:venta_id>/preparar/", views.preparar, name="preparar"),
    path("ventas/<int:venta_id>/enviar/", views.enviar, name="enviar"),
    path("ventas/<int:venta_id>/entregar/", views.entregar, name="entregar"),
    path("ventas/<int:venta_id>/remision.pdf", views.remision_pdf, name="remision"),
]
