"""Without DEBUG, ``check --deploy`` refuses a deploy whose mail would be lost: no email
configured (Django would send to localhost:25), or a backend that delivers nowhere. The
confirmations would be printed or dropped, marked sent, and never reach the buyer."""

import pytest

from .test_despliegue import _manage, entorno_de_produccion


def _check_deploy(**cambios: str | None):
    entorno = {**entorno_de_produccion(), **cambios}
    return _manage(
        "check", "--deploy", "--fail-level", "WARNING", **{k: v for k, v in entorno.items() if v is not None}
    )


def test_sin_email_configurado_check_deploy_falla_y_dice_que_poner():
    hecho = _check_deploy(EMAIL_URL=None)
    assert hecho.returncode != 0
    assert "myproject.E001" in hecho.stderr and "no email is configured" in hecho.stderr
    assert "Set EMAIL_URL" in hecho.stderr


@pytest.mark.parametrize("url", ["consolemail://", "dummymail://", "memorymail://"])
def test_un_backend_que_no_entrega_falla_check_deploy(url):
    hecho = _check_deploy(EMAIL_URL=url)
    assert hecho.returncode != 0
    assert "myproject.E002" in hecho.stderr and "delivers no mail" in hecho.stderr


def test_con_smtp_explicito_pasa():
    assert _check_deploy(EMAIL_URL=None, EMAIL_HOST="smtp.example.com").returncode == 0
    assert _check_deploy(EMAIL_URL="smtp://localhost:25").returncode == 0  # a local MTA, said on purpose


def test_en_desarrollo_no_se_pide_correo():
    hecho = _check_deploy(EMAIL_URL=None, DEBUG="1")
    assert "myproject.E00" not in hecho.stderr
