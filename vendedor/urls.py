from django.urls import path

from . import views

app_name = "vendedor"

urlpatterns = [
    path("productos/", views.productos, name="productos"),
    path("productos/nuevo/", views.nuevo_producto, name="nuevo"),
    path("productos/<int:producto_id>/editar/", views.editar_producto, name="editar"),
    path("productos/<int:producto_id>/stock/", views.ajustar_stock, name="stock"),
    path("productos/<int:producto_id>/fotos/", views.subir_fotos, name="fotos"),
    path("ventas/", views.ventas, name="ventas"),
    path("ventas/csv/", views.ventas_csv, name="ventas_csv"),
]
