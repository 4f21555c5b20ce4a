"""HTTP clients that act as a browser does: log in through the real form, buy through the real checkout."""

import re

import requests

from .factories import ENVIO
from .pedidos import VISA


def sesion_http(base: str, usuario: str, contrasena: str = "demo12345") -> requests.Session:
    """Log in through the real login form, as a browser does; return the session with its cookies."""
    sesion = requests.Session()
    pagina = sesion.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina.text).group(1)
    respuesta = sesion.post(
        f"{base}/accounts/login/",
        data={"username": usuario, "password": contrasena, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert respuesta.status_code == 302, respuesta.text[:500]
    return sesion


def comprar_por_http(sesion: requests.Session, base: str, producto_id: int, cantidad: int = 1) -> requests.Response:
    """Buy now with the test card and address, as the product page's form does (its page first, for the CSRF cookie)."""
    sesion.get(f"{base}/productos/{producto_id}/", timeout=10)
    return sesion.post(
        f"{base}/ventas/comprar/{producto_id}/",
        data={
            "cantidad": str(cantidad),
            "csrfmiddlewaretoken": sesion.cookies["csrftoken"],
            "metodo_pago": VISA,
            **ENVIO,
        },
        allow_redirects=False,
        timeout=10,
    )
