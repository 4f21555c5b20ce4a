from django import forms
from django.conf import settings

from .models import DireccionEnvio
from .services.compras import METODO_DE_PAGO, DatosEnvio


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


class CheckoutForm(forms.Form):
    """The checkout: a saved address or a new one, and the card's PaymentMethod id from Stripe.js."""

    direccion = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Una dirección nueva",
        label="Enviar a",
        error_messages={"invalid_choice": "Esa dirección no está entre las tuyas."},
    )
    envio_nombre = forms.CharField(label="Nombre de quien recibe", max_length=120, required=False)
    envio_direccion = forms.CharField(label="Calle y número", max_length=255, required=False)
    envio_ciudad = forms.CharField(label="Ciudad", max_length=120, required=False)
    envio_codigo_postal = forms.RegexField(
        label="Código postal",
        regex=r"^[0-9A-Za-z -]{3,10}$",
        max_length=10,
        required=False,
        error_messages={"invalid": "Escribe un código postal válido (por ejemplo 06700)."},
    )
    envio_telefono = forms.RegexField(
        label="Teléfono (opcional)",
        regex=r"^\+?[0-9 ()-]{7,20}$",
        max_length=20,
        required=False,
        error_messages={"invalid": "Escribe un teléfono válido o déjalo vacío."},
    )
    guardar_direccion = forms.BooleanField(label="Guardar esta dirección para mis próximas compras", required=False)
    metodo_pago = forms.CharField(
        max_length=255,
        required=True,
        widget=forms.HiddenInput,
        error_messages={"required": "Escribe los datos de tu tarjeta."},
    )

    OBLIGATORIOS = {
        "envio_nombre": "Escribe el nombre de quien recibe.",
        "envio_direccion": "Escribe la calle y el número.",
        "envio_ciudad": "Escribe la ciudad.",
        "envio_codigo_postal": "Escribe el código postal.",
    }

    def __init__(self, *args, usuario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direccion"].queryset = DireccionEnvio.objects.filter(usuario=usuario)
        if not self.fields["direccion"].queryset.exists():
            self.fields["direccion"].widget = forms.HiddenInput()

    def clean_metodo_pago(self):
        metodo_pago = self.cleaned_data["metodo_pago"].strip()
        if not METODO_DE_PAGO.fullmatch(metodo_pago):
            raise forms.ValidationError("Los datos de la tarjeta no llegaron bien; vuelve a escribirlos.")
        return metodo_pago

    def clean(self):
        datos = super().clean()
        if datos.get("direccion") is None and "direccion" not in self.errors:
            for campo, mensaje in self.OBLIGATORIOS.items():
                if not (datos.get(campo) or "").strip() and campo not in self.errors:
                    self.add_error(campo, mensaje)
        return datos

    def datos_envio(self) -> DatosEnvio:
        datos = self.cleaned_data
        if datos.get("direccion") is not None:
            return DatosEnvio.de_direccion(datos["direccion"])
        return DatosEnvio(
            nombre=datos["envio_nombre"].strip(),
            direccion=datos["envio_direccion"].strip(),
            ciudad=datos["envio_ciudad"].strip(),
            codigo_postal=datos["envio_codigo_postal"].strip(),
            telefono=(datos.get("envio_telefono") or "").strip(),
        )
