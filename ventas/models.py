from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from .texto import normalizar


class Proveedor(models.Model):
    nombre = models.CharField("nombre", max_length=200, unique=True)
    email = models.EmailField("email")

    class Meta:
        ordering = ["nombre"]
        verbose_name_plural = "proveedores"

    def __str__(self):
        return self.nombre


class Producto(models.Model):
    nombre = models.CharField("nombre", max_length=200)
    descripcion = models.TextField("descripción", blank=True)
    precio = models.DecimalField(
        "precio", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    stock = models.PositiveIntegerField("stock", default=0)
    stock_minimo = models.PositiveIntegerField("stock mínimo", default=5)
    vendedor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="productos", verbose_name="vendedor"
    )
    proveedor = models.ForeignKey(
        Proveedor, on_delete=models.PROTECT, related_name="productos", verbose_name="proveedor"
    )
    imagen = models.ImageField("imagen", upload_to="productos/", blank=True)
    activo = models.BooleanField("activo", default=True)
    # True while stock is under the minimum and the supplier was told; cleared when
    # stock is back over it. ``cruces_stock_bajo`` numbers the crossings, so the
    # supplier hears once per crossing, not once per sale.
    alerta_stock_enviada = models.BooleanField("alerta de stock enviada", default=False, editable=False)
    cruces_stock_bajo = models.PositiveIntegerField("cruces de stock bajo", default=0, editable=False)
    creado = models.DateTimeField("creado", auto_now_add=True)
    # Name and description lower-cased and without accents (texto.normalizar), kept in
    # sync by save(): the catalog's search reads it with a plain LIKE on any database.
    busqueda = models.TextField("texto de búsqueda", blank=True, editable=False)

    class Meta:
        ordering = ["nombre", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="producto_stock_no_negativo"),
            models.CheckConstraint(condition=Q(precio__gt=0), name="producto_precio_positivo"),
        ]

    def __str__(self):
        return self.nombre

    def save(self, *args, **kwargs):
        self.busqueda = normalizar(f"{self.nombre}\n{self.descripcion}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"nombre", "descripcion"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "busqueda"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("ventas:producto", args=[self.pk])

    @property
    def stock_bajo(self):
        return self.stock < self.stock_minimo


class Venta(models.Model):
    """The order: one per checkout, with its lines, the shipping address it goes to, and its payment.

    Every change of ``estado`` is one service function doing a conditional UPDATE on the
    state it expects (``ventas.services.estados``), so two racing changes never both win.
    """

    class Estado(models.TextChoices):
        PENDIENTE_PAGO = "pendiente_pago", "Pendiente de pago"
        PAGADA = "pagada", "Pagada"
        RECHAZADA = "rechazada", "Pago rechazado"
        EXPIRADA = "expirada", "Expirada"
        PREPARADA = "preparada", "Preparada"
        ENVIADA = "enviada", "Enviada"
        ENTREGADA = "entregada", "Entregada"
        CANCELADA = "cancelada", "Cancelada"

    # Human-readable and unique: the date of the order and its id ("20261124-00042").
    # Set right after the insert, in the same transaction (see services.compras).
    numero = models.CharField("número", max_length=32, unique=True, null=True, editable=False)  # noqa: DJ001 - NULL until numbered
    comprador = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="compras", verbose_name="comprador"
    )
    estado = models.CharField("estado", max_length=20, choices=Estado, default=Estado.PENDIENTE_PAGO, db_index=True)
    total = models.DecimalField("total", max_digits=12, decimal_places=2)
    # The shipping address as it was at checkout: a later edit of a saved address
    # does not move an order already placed.
    envio_nombre = models.CharField("nombre de quien recibe", max_length=120)
    envio_direccion = models.CharField("calle y número", max_length=255)
    envio_ciudad = models.CharField("ciudad", max_length=120)
    envio_codigo_postal = models.CharField("código postal", max_length=10)
    envio_telefono = models.CharField("teléfono", max_length=20, blank=True)
    # Payment: the Stripe PaymentMethod the buyer gave, the PaymentIntent that paid,
    # and a note for the buyer while it is pending or after it failed.
    metodo_pago = models.CharField("método de pago", max_length=255, blank=True, editable=False)
    pago_referencia = models.CharField("referencia de pago", max_length=255, blank=True, editable=False)
    pago_nota = models.CharField("nota del pago", max_length=500, blank=True)
    email_enviado = models.BooleanField("email enviado", default=False)
    factura = models.FileField("factura", upload_to="facturas/", blank=True)
    fecha_creacion = models.DateTimeField("fecha de creación", auto_now_add=True, db_index=True)
    fecha_pago = models.DateTimeField("fecha de pago", null=True, blank=True, editable=False)
    # Fulfilment (almacen.services): when each step happened, and how it travels.
    fecha_preparada = models.DateTimeField("fecha de preparación", null=True, blank=True, editable=False)
    fecha_enviada = models.DateTimeField("fecha de envío", null=True, blank=True, editable=False)
    fecha_entregada = models.DateTimeField("fecha de entrega", null=True, blank=True, editable=False)
    fecha_cancelada = models.DateTimeField("fecha de cancelación", null=True, blank=True, editable=False)
    transportista = models.CharField("transportista", max_length=100, blank=True, editable=False)
    guia = models.CharField("número de guía", max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-fecha_creacion", "-pk"]
        verbose_name = "venta"
        verbose_name_plural = "ventas"
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="venta_total_no_negativo"),
        ]

    def __str__(self):
        return f"Venta {self.numero or self.pk}"

    def get_absolute_url(self):
        return reverse("ventas:venta", args=[self.pk])

    def visible_para(self, usuario):
        return (
            usuario.is_staff or usuario.pk == self.comprador_id or self.lineas.filter(vendedor_id=usuario.pk).exists()
        )

    @property
    def pagada(self) -> bool:
        """Whether the money was taken (and not given back): the order's pipeline may run."""
        return self.estado in ESTADOS_PAGADOS


# The states the buyer may still cancel from (nothing has left the warehouse).
ESTADOS_CANCELABLES = (Venta.Estado.PAGADA, Venta.Estado.PREPARADA)

# The states of an order whose payment went through: what reports and dashboards count.
ESTADOS_PAGADOS = (
    Venta.Estado.PAGADA,
    Venta.Estado.PREPARADA,
    Venta.Estado.ENVIADA,
    Venta.Estado.ENTREGADA,
)


class LineaVenta(models.Model):
    """One product of an order: its seller, how many, and the price it sold at."""

    venta = models.ForeignKey(Venta, on_delete=models.CASCADE, related_name="lineas", verbose_name="venta")
    producto = models.ForeignKey(
        Producto, on_delete=models.PROTECT, related_name="lineas_venta", verbose_name="producto"
    )
    vendedor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lineas_vendidas", verbose_name="vendedor"
    )
    cantidad = models.PositiveIntegerField("cantidad")
    precio_unitario = models.DecimalField("precio unitario", max_digits=10, decimal_places=2)
    subtotal = models.DecimalField("subtotal", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["venta", "pk"]
        verbose_name = "línea de venta"
        verbose_name_plural = "líneas de venta"
        constraints = [
            models.UniqueConstraint(fields=["venta", "producto"], name="producto_una_vez_por_venta"),
            models.CheckConstraint(condition=Q(cantidad__gt=0), name="linea_cantidad_positiva"),
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="linea_subtotal_no_negativo"),
        ]

    def __str__(self):
        return f"{self.cantidad} × {self.producto}"


class DireccionEnvio(models.Model):
    """A shipping address a buyer saved, to pick at the next checkout."""

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direcciones", verbose_name="usuario"
    )
    nombre = models.CharField("nombre de quien recibe", max_length=120)
    direccion = models.CharField("calle y número", max_length=255)
    ciudad = models.CharField("ciudad", max_length=120)
    codigo_postal = models.CharField("código postal", max_length=10)
    telefono = models.CharField("teléfono", max_length=20, blank=True)
    creada = models.DateTimeField("creada", auto_now_add=True)

    class Meta:
        ordering = ["-creada", "-pk"]
        verbose_name = "dirección de envío"
        verbose_name_plural = "direcciones de envío"
        constraints = [
            models.UniqueConstraint(
                fields=["usuario", "nombre", "direccion", "ciudad", "codigo_postal", "telefono"],
                name="direccion_una_vez_por_usuario",
            ),
        ]

    def __str__(self):
        return f"{self.nombre}, {self.direccion}, {self.codigo_postal} {self.ciudad}"


class MovimientoInventario(models.Model):
    """One row per change of stock: the ledger that explains ``Producto.stock``."""

    class Motivo(models.TextChoices):
        VENTA = "venta", "Venta"
        DEVOLUCION = "devolucion", "Devolución"
        REPOSICION = "reposicion", "Reposición"
        AJUSTE = "ajuste", "Ajuste"

    producto = models.ForeignKey(
        Producto, on_delete=models.CASCADE, related_name="movimientos", verbose_name="producto"
    )
    cantidad = models.IntegerField("cantidad", help_text="Negativo cuando sale stock")
    motivo = models.CharField("motivo", max_length=20, choices=Motivo)
    venta = models.ForeignKey(
        Venta, on_delete=models.CASCADE, null=True, blank=True, related_name="movimientos", verbose_name="venta"
    )
    stock_resultante = models.PositiveIntegerField("stock resultante")
    fecha = models.DateTimeField("fecha", auto_now_add=True)

    class Meta:
        ordering = ["-fecha", "-pk"]
        verbose_name = "movimiento de inventario"
        verbose_name_plural = "movimientos de inventario"
        constraints = [
            # One movement per order, product and reason, enforced by the database: a
            # reservation or a return that runs twice cannot be recorded twice.
            models.UniqueConstraint(
                fields=["venta", "producto", "motivo"],
                condition=Q(venta__isnull=False),
                name="un_movimiento_por_venta_producto_y_motivo",
            ),
        ]

    def __str__(self):
        return f"{self.producto} {self.cantidad:+d}"


class CarritoCompra(models.Model):
    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carritos", verbose_name="usuario"
    )
    creado = models.DateTimeField("creado", auto_now_add=True)
    ultima_modificacion = models.DateTimeField("última modificación", auto_now=True, db_index=True)
    comprado = models.BooleanField("comprado", default=False)
    recordatorio_enviado = models.DateTimeField("recordatorio enviado", null=True, blank=True)

    class Meta:
        ordering = ["-ultima_modificacion"]
        verbose_name = "carrito de compra"
        verbose_name_plural = "carritos de compra"
        constraints = [
            models.UniqueConstraint(
                fields=["usuario"], condition=Q(comprado=False), name="un_carrito_abierto_por_usuario"
            ),
        ]

    def __str__(self):
        return f"Carrito de {self.usuario} ({'comprado' if self.comprado else 'abierto'})"

    def get_absolute_url(self):
        return reverse("ventas:carrito")

    @property
    def total(self):
        return sum((item.subtotal for item in self.items.all()), Decimal("0"))


class ItemCarrito(models.Model):
    carrito = models.ForeignKey(CarritoCompra, on_delete=models.CASCADE, related_name="items", verbose_name="carrito")
    producto = models.ForeignKey(Producto, on_delete=models.CASCADE, related_name="+", verbose_name="producto")
    cantidad = models.PositiveIntegerField("cantidad", default=1)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrito", "producto"], name="producto_una_vez_por_carrito"),
            models.CheckConstraint(condition=Q(cantidad__gt=0), name="item_cantidad_positiva"),
        ]

    def __str__(self):
        return f"{self.cantidad} × {self.producto}"

    @property
    def subtotal(self):
        return self.producto.precio * self.cantidad


class EnvioEmail(models.Model):
    """The record that makes an email go out once, whatever retries and redeliveries do.

    ``clave`` names the email ("confirmacion:venta:42"). A worker claims it by
    setting ``reclamado`` and its own ``reclamante`` token; a duplicate task finds the
    claim fresh and leaves; once the message is handed to the mail server ``enviado``
    is set. A claim older than the lease (its worker died) may be taken over, and a
    worker renews or releases only a claim that still carries its token. See
    ``emails.enviar_email_una_vez``.
    """

    clave = models.CharField("clave", max_length=200, unique=True)
    reclamado = models.DateTimeField("reclamado", null=True, blank=True)
    reclamante = models.UUIDField("reclamante", null=True, blank=True, editable=False)
    enviado = models.DateTimeField("enviado", null=True, blank=True)
    intentos = models.PositiveIntegerField("intentos", default=0)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "envío de email"
        verbose_name_plural = "envíos de email"

    def __str__(self):
        return self.clave


class EstadisticaVentas(models.Model):
    """The latest sales statistics, recomputed every few minutes by a Beat job.

    One row per ``nombre`` holding a JSON snapshot (money as strings, see
    ``reportes.calcular_estadisticas``), so the dashboards read one row instead of
    aggregating every sale on each page view.
    """

    nombre = models.CharField("nombre", max_length=50, unique=True, default="ventas")
    datos = models.JSONField("datos", default=dict)
    calculado = models.DateTimeField("calculado")

    class Meta:
        verbose_name = "estadística de ventas"
        verbose_name_plural = "estadísticas de ventas"

    def __str__(self):
        return f"Estadísticas {self.nombre} ({self.calculado:%Y-%m-%d %H:%M})"
