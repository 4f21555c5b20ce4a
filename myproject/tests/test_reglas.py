"""Rules of the codebase that a scan of the source can enforce."""

import ast
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
APPS = ["ventas", "notificaciones", "imagenes", "myproject"]
ENVIOS = {"delay", "apply_async", "send_task"}


def _fuentes():
    for app in APPS:
        for ruta in (BASE / app).rglob("*.py"):
            if "tests" not in ruta.parts and "migrations" not in ruta.parts and ruta.name != "testing.py":
                yield ruta


def _envios_fuera_de_on_commit(arbol: ast.AST) -> list[int]:
    """Return line numbers of task sends not wrapped in transaction.on_commit(...).

    A send counts as wrapped when it sits inside the arguments of an ``on_commit``
    call, or inside a function whose only callers hand it to ``on_commit`` — that is
    spelled ``on_commit(partial(fn, ...))``, so functions passed that way are allowed.
    """
    diferidas = {
        arg.args[0].id
        for nodo in ast.walk(arbol)
        if isinstance(nodo, ast.Call) and _nombre(nodo.func) == "on_commit"
        for arg in nodo.args
        if isinstance(arg, ast.Call) and _nombre(arg.func) == "partial" and isinstance(arg.args[0], ast.Name)
    }
    malas = []

    def visitar(nodo, dentro_de_on_commit=False, funcion=None):
        if isinstance(nodo, ast.FunctionDef | ast.AsyncFunctionDef):
            funcion = nodo.name
        if isinstance(nodo, ast.Call) and _nombre(nodo.func) == "on_commit":
            dentro_de_on_commit = True
        if (
            isinstance(nodo, ast.Attribute)
            and nodo.attr in ENVIOS
            and not dentro_de_on_commit
            and funcion not in diferidas
        ):
            malas.append(nodo.lineno)
        for hijo in ast.iter_child_nodes(nodo):
            visitar(hijo, dentro_de_on_commit, funcion)

    visitar(arbol)
    return malas


def _nombre(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_las_tareas_solo_se_envian_al_confirmar_la_transaccion():
    malas = {
        str(ruta.relative_to(BASE)): lineas
        for ruta in _fuentes()
        if (lineas := _envios_fuera_de_on_commit(ast.parse(ruta.read_text())))
    }
    assert malas == {}, "Send tasks with transaction.on_commit(partial(...)) or .delay_on_commit(); found: " + repr(
        malas
    )


def test_el_escaner_detecta_un_envio_directo():
    codigo = "def comprar():\n    venta = crear()\n    tareas.procesar.delay(venta.pk)\n"
    assert _envios_fuera_de_on_commit(ast.parse(codigo)) == [3]
    bien = "def comprar():\n    transaction.on_commit(partial(_enviar, 1))\n\ndef _enviar(i):\n    t.delay(i)\n"
    assert _envios_fuera_de_on_commit(ast.parse(bien)) == []


def test_celery_solo_habla_json():
    """Tasks, results and events are JSON, and a worker accepts nothing else."""
    from myproject.celery import app

    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content in (None, ["json"])
    assert (conf.task_serializer, conf.result_serializer, conf.event_serializer) == ("json", "json", "json")
