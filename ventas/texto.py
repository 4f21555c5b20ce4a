"""Text normalisation for search, with no Django in it: one behaviour on every database."""

import unicodedata


def normalizar(texto: str) -> str:
    """Return ``texto`` lower-cased without accents or extra spaces: "Café  de Chiapas" → "cafe de chiapas".

    Stored in ``Producto.busqueda`` and applied to the query, so a plain ``LIKE`` finds
    "Café" for "cafe", "CAFÉ" or "café" on SQLite and PostgreSQL alike (no ``unaccent``
    extension, no SQLite function).
    """
    descompuesto = unicodedata.normalize("NFKD", texto.casefold())
    sin_marcas = "".join(c for c in descompuesto if not unicodedata.combining(c))
    return " ".join(sin_marcas.split())
