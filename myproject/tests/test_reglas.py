"""Rules of the codebase that a scan of the source can enforce."""

import ast
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
APPS = ["ventas", "notificaciones", "imagenes", "deadletter", "myproject"]
ENVIOS = {"delay", "apply_async", "send_task"}
TAREAS = {"shared_task", "task"}  # decorators that make a Celery task


def _fuentes():
    for app in APPS:
        for ruta in (BASE / app).rglob("*.py"):
            if "tests" not in ruta.parts and "migrations" not in ruta.parts:
                yield ruta


def _envios_fuera_de_on_commit(arbol: ast.AST) -> list[int]:
    """Return line numbers of task sends not wrapped in transaction.on_commit(...).

    A send is ``.delay``/``.apply_async``/``.send_task``, or a canvas called to run it
    (``chain(...)()``, ``chord(...)(...)``, ``group(...)()``). It counts as wrapped when it
    sits inside the arguments of an ``on_commit`` call, or inside a function whose only
    callers hand it to ``on_commit`` — spelled ``on_commit(partial(fn, ...))``. A Celery
    task's own body runs in the worker, outside any request's transaction, so it may send
    directly, except inside a ``transaction.atomic()`` block of its own.
    """
    diferidas = {
        arg.args[0].id
        for nodo in ast.walk(arbol)
        if isinstance(nodo, ast.Call) and _nombre(nodo.func) == "on_commit"
        for arg in nodo.args
        if isinstance(arg, ast.Call) and _nombre(arg.func) == "partial" and isinstance(arg.args[0], ast.Name)
    }
    malas = []

    def es_envio(nodo) -> bool:
        if isinstance(nodo, ast.Attribute):
            return nodo.attr in ENVIOS
        return (
            isinstance(nodo, ast.Call)
            and isinstance(nodo.func, ast.Call)
            and _nombre(nodo.func.func) in {"chain", "chord", "group"}
        )

    def visitar(nodo, dentro_de_on_commit=False, funcion=None, en_tarea=False, en_atomic=False):
        if isinstance(nodo, ast.FunctionDef | ast.AsyncFunctionDef):
            funcion = nodo.name
            en_tarea = any(_nombre(d.func if isinstance(d, ast.Call) else d) in TAREAS for d in nodo.decorator_list)
            en_atomic = any(_nombre(d.func if isinstance(d, ast.Call) else d) == "atomic" for d in nodo.decorator_list)
        if isinstance(nodo, ast.With) and any(
            _nombre(i.context_expr.func if isinstance(i.context_expr, ast.Call) else i.context_expr) == "atomic"
            for i in nodo.items
        ):
            en_atomic = True
        if isinstance(nodo, ast.Call) and _nombre(nodo.func) == "on_commit":
            dentro_de_on_commit = True
        # An override of apply_async handing on to super() is how a task is sent, not a send.
        permitido = dentro_de_on_commit or funcion in diferidas or funcion in ENVIOS or (en_tarea and not en_atomic)
        if es_envio(nodo) and not permitido:
            malas.append(nodo.lineno)
        for hijo in ast.iter_child_nodes(nodo):
            visitar(hijo, dentro_de_on_commit, funcion, en_tarea, en_atomic)

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


def test_el_escaner_detecta_un_canvas_y_respeta_el_cuerpo_de_las_tareas():
    servicio = "def comprar():\n    crear()\n    chain(a.si(1), b.si(1))()\n    chord(g)(cb)\n"
    assert _envios_fuera_de_on_commit(ast.parse(servicio)) == [3, 4]
    tarea = "@shared_task(name='x')\ndef procesar(i):\n    return chord(g)(cb).id\n"
    assert _envios_fuera_de_on_commit(ast.parse(tarea)) == []
    atomica = "@shared_task\ndef procesar(i):\n    with transaction.atomic():\n        t.delay(i)\n"
    assert _envios_fuera_de_on_commit(ast.parse(atomica)) == [4]
    decorada = "@transaction.atomic\ndef comprar():\n    t.apply_async((1,))\n"
    assert _envios_fuera_de_on_commit(ast.parse(decorada)) == [3]


def test_celery_solo_habla_json():
    """Tasks, results and events are JSON, and a worker accepts nothing else."""
    from myproject.celery import app

    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content in (None, ["json"])
    assert (conf.task_serializer, conf.result_serializer, conf.event_serializer) == ("json", "json", "json")
