"""What the browser tests do on the checkout page: the address, the card, "Pagar"."""

import threading

from .factories import ENVIO

VISA = "4242424242424242"


def llenar_tarjeta(pagina, numero: str = VISA) -> None:
    """Give the checkout its card.

    Without Stripe.js on the page (no publishable key), the form's ``metodo_pago`` takes
    a test PaymentMethod id directly.
    """
    pagina.evaluate("() => { document.querySelector('[name=metodo_pago]').value = 'pm_card_visa'; }")


def pagar_en_checkout(pagina, base: str, *, numero: str = VISA) -> int:
    """Fill the address and the card on the checkout page and pay; return the order's id once its page is shown."""
    for campo, valor in ENVIO.items():
        pagina.fill(f"[name={campo}]", valor)
    llenar_tarjeta(pagina, numero)
    pagina.click("#pagar")
    pagina.wait_for_url(f"{base}/ventas/*/")
    return int(pagina.url.rstrip("/").rsplit("/", 1)[1])


def en_hilo(funcion, *args, **kwargs):
    """Run ORM code in a plain thread: Playwright's loop makes this one async for Django."""
    resultado, errores = [], []

    def correr():
        from django.db import connection

        try:
            resultado.append(funcion(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - raised again below
            errores.append(error)
        finally:
            connection.close()

    hilo = threading.Thread(target=correr)
    hilo.start()
    hilo.join(60)
    if errores:
        raise errores[0]
    assert resultado, "the thread did not finish"
    return resultado[0]
