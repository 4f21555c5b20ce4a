from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from ventas.models import Producto

from . import procesamiento, selectors


class SubirImagenForm(forms.Form):
    """Upload form: every check runs here, before the file is stored; none decodes a pixel."""

    archivo = forms.FileField(
        label="Imagen",
        help_text="JPEG, PNG o WebP.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    descripcion = forms.CharField(label="Descripción", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["archivo"].help_text = (
            f"JPEG, PNG o WebP; hasta {filesizeformat(settings.IMAGENES_MAX_BYTES)} "
            f"y {settings.IMAGENES_MAX_PIXELS / 1_000_000:g} megapíxeles."
        )
        self.info: procesamiento.InfoImagen | None = None

    def clean_archivo(self):
        archivo = self.cleaned_data["archivo"]
        if archivo.size == 0:
            raise forms.ValidationError("El archivo está vacío.", code="vacio")
        if archivo.size > settings.IMAGENES_MAX_BYTES:
            raise forms.ValidationError(
                "El archivo pesa %(peso)s; el máximo es %(maximo)s.",
                code="demasiado_grande",
                params={"peso": filesizeformat(archivo.size), "maximo": filesizeformat(settings.IMAGENES_MAX_BYTES)},
            )
        try:
            self.info = procesamiento.validar(
                archivo,
                max_pixeles=settings.IMAGENES_MAX_PIXELS,
                max_pixeles_por_byte=settings.IMAGENES_MAX_PIXELES_POR_BYTE,
                pixeles_libres=settings.IMAGENES_PIXELES_LIBRES,
            )
        except procesamiento.ImagenInvalida as error:
            raise forms.ValidationError(str(error), code="invalida") from None
        finally:
            archivo.seek(0)
        return archivo


class AsignarProductoForm(forms.Form):
    producto = forms.ModelChoiceField(queryset=Producto.objects.none(), label="Producto", empty_label=None)

    def __init__(self, *args, usuario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producto"].queryset = selectors.productos_para_imagen(usuario)
