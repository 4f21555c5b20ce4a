"""on_commit callbacks that fail must be logged, not turned into an error for the user."""

import ast
import logging
from pathlib import Path

import pytest
from django.db import transaction

from myproject.commit import partial

BASE = Path(__file__).resolve().parents[2]


def _falla(motivo):
    raise ConnectionError(motivo)


@pytest.mark.django_db(transaction=True)
def test_un_callback_robusto_que_falla_se_registra_y_no_sube(caplog):
    hecho = []
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        transaction.on_commit(partial(_falla, "broker caído"), robust=True)
        transaction.on_commit(partial(hecho.append, 1), robust=True)

    assert hecho == [1]
    assert "Error calling _falla in on_commit()" in caplog.text


def test_partial_se_comporta_como_functools():
    p = partial(int, base=2)
    assert (p("101"), p.func, p.keywords) == (5, int, {"base": 2})
    assert (p.__name__, p.__qualname__) == ("int", "int")
    with pytest.raises(AttributeError):
        p.no_existe  # noqa: B018


def test_los_callbacks_de_on_commit_usan_el_partial_del_proyecto():
    """functools.partial has no __qualname__, which Django needs to log a failing robust callback."""
    malos = []
    for app in ("ventas", "notificaciones", "imagenes", "deadletter", "outbox", "myproject"):
        for ruta in (BASE / app).rglob("*.py"):
            if "tests" in ruta.parts or "migrations" in ruta.parts:
                continue
            arbol = ast.parse(ruta.read_text())
            usa_on_commit_con_partial = any(
                isinstance(n, ast.Call)
                and getattr(n.func, "attr", getattr(n.func, "id", "")) == "on_commit"
                and any(isinstance(a, ast.Call) and getattr(a.func, "id", "") == "partial" for a in n.args)
                for n in ast.walk(arbol)
            )
            de_functools = any(
                isinstance(n, ast.ImportFrom) and n.module == "functools" and any(a.name == "partial" for a in n.names)
                for n in ast.walk(arbol)
            )
            if usa_on_commit_con_partial and de_functools:
                malos.append(str(ruta.relative_to(BASE)))
    assert malos == [], f"import partial from myproject.commit in {malos}"
