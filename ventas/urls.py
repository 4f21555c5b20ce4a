from django.urls import path

from . import views

app_name = "ventas"

urlpatterns = [
    path("", views.catalogo, name="catalogo"),
    path("productos/<int:producto_id>/", views.producto, name="producto"),
    path("ventas/", views.mis_compras, name="mis_compras"),
    path("ventas/comprar/<int:producto_id>/", views.comprar, name="comprar"),
    path("ventas/<int:venta_id>/", views.venta, name="venta"),
    path("ventas/<int:venta_id>/estado/", views.venta_estado, name="venta_estado"),
    path("ventas/<int:venta_id>/cancelar/", views.cancelar, name="cancelar"),
    path("ventas/<int:venta_id>/factura.pdf", views.factura, name="factura"),
    path("carrito/", views.carrito, name="carrito"),
    path("carrito/agregar/<int:producto_id>/", views.agregar_al_carrito, name="agregar_al_carrito"),
    path("carrito/items/<int:item_id>/", views.cambiar_cantidad, name="cambiar_cantidad"),
    path("carrito/comprar/", views.comprar_carrito, name="comprar_carrito"),
    path("vendedor/", views.panel_vendedor, name="panel_vendedor"),
    path("estadisticas/", views.estadisticas, name="estadisticas"),
]
