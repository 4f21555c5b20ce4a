from django import forms
from django.conf import settings


class CantidadForm(forms.Form):
    cantidad = forms.IntegerField(
        min_value=1,
        max_value=settings.MAX_CANTIDAD_POR_COMPRA,
        initial=1,
        error_messages={
            "required": "Indica cuántas unidades quieres.",
            "invalid": "La cantidad debe ser un número entero.",
        },
        widget=forms.NumberInput(attrs={"class": "cantidad", "min": 1}),
    )


class CambiarCantidadForm(forms.Form):
    cantidad = forms.IntegerField(min_value=0, max_value=settings.MAX_CANTIDAD_POR_COMPRA)
