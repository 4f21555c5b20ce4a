from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from ventas.models import Producto

from . import procesamiento, selectors
from .models import ImagenUsuario

TIPOS_ACEPTADOS = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
# Photos one product form may send at once (the body limit bounds their bytes too).
MAX_FOTOS_POR_ENVIO = 10


def _ayuda() -> str:
    return (
        f"JPEG, PNG, WebP o HEIC; hasta {filesizeformat(settings.IMAGENES_MAX_BYTES)} "
        f"y {settings.IMAGENES_MAX_PIXELS / 1_000_000:g} megapíxeles."
    )


def validar_subida(archivo) -> procesamiento.InfoImagen:
    """Check one uploaded file before it is stored (headers only, nothing decoded); return its facts.

    Raise ``forms.ValidationError`` with the reason for the user.
    """
    if archivo.size == 0:
        raise forms.ValidationError("El archivo está vacío.", code="vacio")
    if archivo.size > settings.IMAGENES_MAX_BYTES:
        raise forms.ValidationError(
            "El archivo pesa %(peso)s; el máximo es %(maximo)s.",
            code="demasiado_grande",
            params={"peso": filesizeformat(archivo.size), "maximo": filesizeformat(settings.IMAGENES_MAX_BYTES)},
        )
    try:
        return procesamiento.validar(
            archivo,
            max_pixeles=settings.IMAGENES_MAX_PIXELS,
            max_pixeles_por_byte=settings.IMAGENES_MAX_PIXELES_POR_BYTE,
            pixeles_libres=settings.IMAGENES_PIXELES_LIBRES,
        )
    except procesamiento.ImagenInvalida as error:
        raise forms.ValidationError(str(error), code="invalida") from None
    finally:
        archivo.seek(0)


class SubirImagenForm(forms.Form):
    """Upload form: every check runs here, before the file is stored; none decodes a pixel."""

    archivo = forms.FileField(
        label="Imagen",
        help_text="JPEG, PNG, WebP o HEIC.",
        widget=forms.ClearableFileInput(attrs={"accept": TIPOS_ACEPTADOS}),
    )
    descripcion = forms.CharField(label="Descripción", max_length=300, required=False)
    filtro = forms.ChoiceField(label="Filtro", choices=ImagenUsuario.Filtro.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["archivo"].help_text = _ayuda()
        self.info: procesamiento.InfoImagen | None = None

    def clean_archivo(self):
        archivo = self.cleaned_data["archivo"]
        self.info = validar_subida(archivo)
        return archivo


class VariosArchivosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class VariosArchivosField(forms.FileField):
    """A file field taking one or several files; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", VariosArchivosInput(attrs={"accept": TIPOS_ACEPTADOS, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        archivos = data if isinstance(data, list | tuple) else [data] if data else []
        if not archivos and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(VariosArchivosField, self).clean(archivo, initial) for archivo in archivos]


class FotosProductoForm(forms.Form):
    """Photos for one product from its form: one or several files, one filter for all of them."""

    fotos = VariosArchivosField(label="Fotos")
    filtro = forms.ChoiceField(label="Filtro", choices=ImagenUsuario.Filtro.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fotos"].help_text = f"Una o varias (hasta {MAX_FOTOS_POR_ENVIO}). " + _ayuda()
        self.subidas: list[tuple[object, procesamiento.InfoImagen]] = []

    def clean_fotos(self):
        archivos = self.cleaned_data["fotos"]
        if len(archivos) > MAX_FOTOS_POR_ENVIO:
            raise forms.ValidationError(f"Sube a lo más {MAX_FOTOS_POR_ENVIO} fotos a la vez.", code="demasiadas")
        errores = []
        for archivo in archivos:
            try:
                self.subidas.append((archivo, validar_subida(archivo)))
            except forms.ValidationError as error:
                errores.extend(f"{archivo.name}: {mensaje}" for mensaje in error.messages)
        if errores:
            # All or none: a batch with one bad file stores nothing, and says which.
            self.subidas = []
            raise forms.ValidationError(errores)
        return archivos


class AsignarProductoForm(forms.Form):
    producto = forms.ModelChoiceField(queryset=Producto.objects.none(), label="Producto", empty_label=None)

    def __init__(self, *args, usuario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producto"].queryset = selectors.productos_para_imagen(usuario)
