"""Rules of the codebase that a scan of the source can enforce."""

import ast
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
APPS = ["ventas", "notificaciones", "imagenes", "deadletter", "outbox", "myproject"]
ENVIOS = {"delay", "apply_async", "send_task", "delay_on_commit", "apply_async_on_commit"}
TAREAS = {"shared_task", "task"}  # decorators that make a Celery task
# The outbox's publisher: the one place outside a task body that hands tasks to the broker.
PUBLICADOR = BASE / "outbox" / "services.py"


def _fuentes():
    for app in APPS:
        for ruta in (BASE / app).rglob("*.py"):
            if "tests" not in ruta.parts and "migrations" not in ruta.parts:
                yield ruta


def _envios_fuera_del_outbox(arbol: ast.AST) -> list[int]:
    """Return line numbers of task sends that bypass the outbox.

    A send is ``.delay``/``.apply_async``/``.send_task`` (and their ``_on_commit``
    forms), or a canvas called to run it (``chain(...)()``, ``chord(...)(...)``,
    ``group(...)()``). Wrapping it in ``transaction.on_commit`` no longer makes it
    right: a broker blip or a SIGKILL between commit and publish loses it. State and
    work go together through ``outbox.services.enqueue``. Only a Celery task's own body
    may send directly, since it runs in the worker, outside any request's transaction,
    and its message comes back if the worker dies — except inside a
    ``transaction.atomic()`` block of its own, whose state needs the outbox too.
    """
    malas = []

    def es_envio(nodo) -> bool:
        if isinstance(nodo, ast.Attribute):
            return nodo.attr in ENVIOS
        return (
            isinstance(nodo, ast.Call)
            and isinstance(nodo.func, ast.Call)
            and _nombre(nodo.func.func) in {"chain", "chord", "group"}
        )

    def visitar(nodo, funcion=None, en_tarea=False, en_atomic=False):
        if isinstance(nodo, ast.FunctionDef | ast.AsyncFunctionDef):
            funcion = nodo.name
            en_tarea = any(_nombre(d.func if isinstance(d, ast.Call) else d) in TAREAS for d in nodo.decorator_list)
            en_atomic = any(_nombre(d.func if isinstance(d, ast.Call) else d) == "atomic" for d in nodo.decorator_list)
        if isinstance(nodo, ast.With) and any(
            _nombre(i.context_expr.func if isinstance(i.context_expr, ast.Call) else i.context_expr) == "atomic"
            for i in nodo.items
        ):
            en_atomic = True
        # An override of apply_async handing on to super() is how a task is sent, not a send.
        permitido = funcion in ENVIOS or (en_tarea and not en_atomic)
        if es_envio(nodo) and not permitido:
            malas.append(nodo.lineno)
        for hijo in ast.iter_child_nodes(nodo):
            visitar(hijo, funcion, en_tarea, en_atomic)

    visitar(arbol)
    return malas


def _nombre(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_las_tareas_solo_se_envian_por_el_outbox():
    malas = {
        str(ruta.relative_to(BASE)): lineas
        for ruta in _fuentes()
        if ruta != PUBLICADOR and (lineas := _envios_fuera_del_outbox(ast.parse(ruta.read_text())))
    }
    assert malas == {}, (
        "Send tasks with outbox.services.enqueue(...) inside the transaction of their state "
        "(or from a Celery task's body); found: " + repr(malas)
    )


def test_el_escaner_detecta_un_envio_directo_o_diferido_a_mano():
    codigo = "def comprar():\n    venta = crear()\n    tareas.procesar.delay(venta.pk)\n"
    assert _envios_fuera_del_outbox(ast.parse(codigo)) == [3]
    diferido = "def comprar():\n    transaction.on_commit(partial(_enviar, 1))\n\ndef _enviar(i):\n    t.delay(i)\n"
    assert _envios_fuera_del_outbox(ast.parse(diferido)) == [5]
    lambda_ = "def comprar():\n    transaction.on_commit(lambda: t.apply_async((1,)))\n"
    assert _envios_fuera_del_outbox(ast.parse(lambda_)) == [2]
    al_confirmar = "def comprar():\n    t.delay_on_commit(1)\n"
    assert _envios_fuera_del_outbox(ast.parse(al_confirmar)) == [2]
    bien = "@transaction.atomic\ndef comprar():\n    outbox.enqueue('ventas.tasks.procesar', args=[1])\n"
    assert _envios_fuera_del_outbox(ast.parse(bien)) == []


def test_el_escaner_detecta_un_canvas_y_respeta_el_cuerpo_de_las_tareas():
    servicio = "def comprar():\n    crear()\n    chain(a.si(1), b.si(1))()\n    chord(g)(cb)\n"
    assert _envios_fuera_del_outbox(ast.parse(servicio)) == [3, 4]
    tarea = "@shared_task(name='x')\ndef procesar(i):\n    return chord(g)(cb).id\n"
    assert _envios_fuera_del_outbox(ast.parse(tarea)) == []
    atomica = "@shared_task\ndef procesar(i):\n    with transaction.atomic():\n        t.delay(i)\n"
    assert _envios_fuera_del_outbox(ast.parse(atomica)) == [4]
    decorada = "@transaction.atomic\ndef comprar():\n    t.apply_async((1,))\n"
    assert _envios_fuera_del_outbox(ast.parse(decorada)) == [3]


def test_lo_que_se_escribe_en_el_outbox_es_una_tarea_registrada():
    """A typo in a task name would only show in a worker's log; catch it here."""
    from myproject.celery import app

    app.loader.import_default_modules()
    nombres = {
        str(ruta.relative_to(BASE)): nodo.args[0].value
        for ruta in _fuentes()
        for nodo in ast.walk(ast.parse(ruta.read_text()))
        if isinstance(nodo, ast.Call)
        and _nombre(nodo.func) == "enqueue"
        and nodo.args
        and isinstance(nodo.args[0], ast.Constant)
    }
    assert nombres, "no outbox.enqueue(...) found: has the scan gone blind?"
    assert {ruta: nombre for ruta, nombre in nombres.items() if nombre not in app.tasks} == {}


def test_celery_solo_habla_json():
    """Tasks, results and events are JSON, and a worker accepts nothing else."""
    from myproject.celery import app

    conf = app.conf
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content in (None, ["json"])
    assert (conf.task_serializer, conf.result_serializer, conf.event_serializer) == ("json", "json", "json")
