"""The shop's pages, in one list, for the browser checks (accessibility, layout, HTML).

A new page is one more ``Pagina`` here: the checks in myproject/tests/test_paginas_navegador.py
visit every page of this list at every width, logged in and (``publica``) logged out.
``ruta`` is formatted with the ids of the data ``tienda_de_muestra`` makes (keys of its
``ids`` dict): add what a new page needs there too.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pagina:
    """A page of the shop; ``se_visita(con_sesion)`` says whether it is checked logged in, or out."""

    nombre: str
    ruta: str
    publica: bool = False  # also checked logged out
    anonima: bool = False  # only logged out (a logged-in user is sent on from it)
    quien: str = "vendedor"  # who is logged in for it (a key of the sample shop: "vendedor", "almacen")

    def se_visita(self, con_sesion: bool) -> bool:
        return not self.anonima if con_sesion else self.publica


PAGINAS: list[Pagina] = [
    Pagina("catálogo", "/", publica=True),
    Pagina("catálogo sin resultados", "/?q=nada-coincide", publica=True),
    Pagina("producto", "/productos/{producto}/", publica=True),
    Pagina("entrar", "/accounts/login/", publica=True, anonima=True),
    Pagina("crear cuenta", "/accounts/signup/", publica=True, anonima=True),
    Pagina("olvidé mi contraseña", "/accounts/password/reset/", publica=True),
    Pagina("carrito", "/carrito/"),
    Pagina("pagar el carrito", "/carrito/comprar/"),
    Pagina("pagar ahora", "/ventas/comprar/{otro_producto}/?cantidad=1"),
    Pagina("mis compras", "/ventas/"),
    Pagina("compra", "/ventas/{venta}/"),
    Pagina("subir imagen", "/imagenes/subir/"),
    Pagina("mis imágenes", "/imagenes/"),
    Pagina("imagen", "/imagenes/{imagen}/"),
    Pagina("panel de vendedor", "/vendedor/"),
    Pagina("mis productos", "/vendedor/productos/"),
    Pagina("nuevo producto", "/vendedor/productos/nuevo/"),
    Pagina("editar producto", "/vendedor/productos/{producto}/editar/"),
    Pagina("ajustar stock", "/vendedor/productos/{producto}/stock/"),
    Pagina("mis ventas", "/vendedor/ventas/"),
    Pagina("notificaciones", "/notificaciones/"),
    Pagina("almacén", "/almacen/", quien="almacen"),
    Pagina("cancelar un pedido", "/ventas/{venta}/cancelar/"),
]

# Desktop and phone (an iPhone 12–15's CSS viewport).
ANCHOS: dict[str, dict[str, int]] = {
    "escritorio": {"width": 1366, "height": 900},
    "telefono": {"width": 390, "height": 844},
}
