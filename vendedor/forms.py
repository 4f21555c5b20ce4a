"""The seller's forms: a product (never its stock), a stock adjustment, and the filters of their sales."""

from django import forms

from ventas import services
from ventas.models import MovimientoInventario, Producto, Venta


class ProductoForm(forms.ModelForm):
    class Meta:
        model = Producto
        fields = list(services.CAMPOS_EDITABLES)
        labels = {
            "nombre": "Nombre",
            "descripcion": "Descripción",
            "precio": "Precio",
            "stock_minimo": "Stock mínimo",
            "activo": "A la venta",
        }
        help_texts = {"stock_minimo": "Bajo este número avisamos al proveedor."}
        widgets = {"descripcion": forms.Textarea(attrs={"rows": 4})}


class AjusteStockForm(forms.Form):
    motivo = forms.ChoiceField(
        label="Motivo",
        choices=[(m.value, m.label) for m in services.MOTIVOS_DE_AJUSTE],
        initial=MovimientoInventario.Motivo.REPOSICION,
    )
    cantidad = forms.IntegerField(
        label="Cantidad",
        help_text="Positiva para sumar unidades, negativa para restarlas (merma, conteo).",
        error_messages={"required": "Indica cuántas unidades.", "invalid": "La cantidad debe ser un número entero."},
    )

    def clean_cantidad(self):
        cantidad = self.cleaned_data["cantidad"]
        if cantidad == 0:
            raise forms.ValidationError("La cantidad no puede ser cero.", code="cero")
        return cantidad


class FiltroVentasForm(forms.Form):
    estado = forms.ChoiceField(label="Estado", choices=[("", "Todos"), *Venta.Estado.choices], required=False)
    desde = forms.DateField(label="Desde", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hasta = forms.DateField(label="Hasta", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        datos = super().clean()
        if datos.get("desde") and datos.get("hasta") and datos["desde"] > datos["hasta"]:
            raise forms.ValidationError("La fecha «desde» va antes que «hasta».", code="rango")
        return datos

    def filtros(self) -> dict:
        """Return the valid filters as keyword arguments of ``lineas_del_vendedor`` (none when invalid)."""
        if not self.is_valid():
            return {}
        return {clave: self.cleaned_data.get(clave) or ("" if clave == "estado" else None) for clave in self.fields}
