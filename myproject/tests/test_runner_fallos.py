"""`make run`'s process runner: circus on the Procfile, restarting whatever exits.

Each test runs ``python -m myproject.runner web worker beat flower`` — the command the
Makefile runs, so the same generated circus configuration — against the test database,
a Redis database of its own on the harness's private server and free ports, then breaks
something: Redis restarted empty, a web process or the worker SIGKILLed, Ctrl-C.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import kombu.exceptions
import psutil
import pytest
import redis
from circus.client import CircusClient

from myproject import devservices, runner
from pruebas.procesos import BASE_DIR, LOG_DIR, app_de_celery, entorno_de_proceso, esperar, ping

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

PROCESOS = ["web", "worker", "beat", "flower"]
PROCESOS_WEB = 2
ARRANQUE = 120  # seconds for the whole stack to answer, on a busy 2-core machine
VUELTA = 60  # seconds for the worker to answer again after a fault


def _estado_http(url: str, timeout: float = 5) -> int | None:
    """Return the HTTP status of GET ``url``, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as respuesta:
            return respuesta.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Pila:
    """A running ``make run`` stack: its circusd, its ports, and how to reach its worker."""

    def __init__(self, carpeta: Path, broker: str, log: Path):
        self.carpeta, self.log = carpeta, log
        self.puerto_web, self.puerto_flower = devservices.free_port(), devservices.free_port()
        self.url = f"http://127.0.0.1:{self.puerto_web}/"
        self.broker = broker
        self.control = self.app()
        comando = [sys.executable, "-m", "myproject.runner", "--dir", str(carpeta), *PROCESOS]
        entorno = entorno_de_proceso(
            REDIS_URL=broker,
            CELERY_BROKER_URL=broker,
            WEB_PORT=str(self.puerto_web),
            WEB_PROCESSES=str(PROCESOS_WEB),
            FLOWER_PORT=str(self.puerto_flower),
            FLOWER_BASIC_AUTH="ops:prueba",
        )
        with log.open("wb") as salida:
            self.circusd = subprocess.Popen(comando, cwd=BASE_DIR, env=entorno, stdout=salida, stderr=subprocess.STDOUT)

    def app(self):
        """Return a Celery app on the stack's broker and result backend (close it when done)."""
        app = app_de_celery(self.broker)
        app.conf.result_backend = self.broker
        return app

    def pids(self, nombre: str) -> list[int]:
        """Return the pids circus runs for the Procfile entry ``nombre``."""
        cliente = CircusClient(endpoint=f"ipc://{self.carpeta / 'control.sock'}", timeout=10)
        try:
            return sorted(cliente.call({"command": "list", "properties": {"name": nombre}})["pids"])
        finally:
            cliente.stop()

    def worker_responde(self) -> bool:
        try:
            return bool(ping(self.control, timeout=1))
        except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
            return False

    def arrancada(self) -> bool:
        if self.circusd.poll() is not None:
            pytest.fail(f"circusd exited with {self.circusd.returncode}; see {self.log}")
        return (
            _estado_http(self.url) == 200
            and _estado_http(f"http://127.0.0.1:{self.puerto_flower}/healthcheck") is not None
            and self.worker_responde()
            # Exactly one worker, one Beat and one Flower; WEB_PROCESSES web processes.
            and [len(self.pids(nombre)) for nombre in PROCESOS] == [PROCESOS_WEB, 1, 1, 1]
        )

    def descendientes(self) -> list[psutil.Process]:
        """Return every process under circusd (its watchers' processes and their children)."""
        return psutil.Process(self.circusd.pid).children(recursive=True)

    def salida(self) -> str:
        return self.log.read_text(errors="replace")

    def detener(self) -> None:
        """Ctrl-C the stack; if circusd does not stop in time, kill it and what it started."""
        if self.circusd.poll() is None:
            quedan = self.descendientes()
            self.circusd.send_signal(signal.SIGINT)
            try:
                self.circusd.wait(60)
            except subprocess.TimeoutExpired:
                for proceso in [self.circusd, *quedan]:
                    proceso.kill()
                self.circusd.wait()
        self.control.close()


@pytest.fixture
def pila(broker_redis_aparte):
    """The ``make run`` stack on free ports, with a broker the session's worker never reads."""
    # A short folder: circus's control sockets are Unix sockets, whose path length is bounded.
    carpeta = Path(tempfile.mkdtemp(prefix="circus-"))
    pila = Pila(carpeta, broker_redis_aparte, LOG_DIR / "procesos.log")
    try:
        esperar(pila.arrancada, timeout=ARRANQUE, intervalo=1, mensaje=f"the make run stack to answer (see {pila.log})")
        yield pila
    finally:
        pila.detener()
        shutil.rmtree(carpeta, ignore_errors=True)


def _una_tarea_corre(pila: Pila) -> None:
    """Send a task now and see the stack's worker run it and store its result.

    Through a new app: after a Redis restart every pooled connection fails once.
    """
    marca = f"tras-el-fallo-{time.monotonic_ns()}"
    app = pila.app()
    try:
        assert app.send_task("celery.accumulate", args=[marca]).get(timeout=VUELTA) == [marca]
    finally:
        app.close()


def test_redis_reiniciado_la_pila_sigue_sirviendo_y_el_worker_vuelve(pila, redis_privado):
    worker_antes = pila.pids("worker")
    # Work in the worker's hands when Redis goes, as kombu's "Unrecoverable error" needs:
    # tasks due later, which the worker holds unacknowledged until then.
    for numero in range(5):
        pila.control.send_task("celery.accumulate", args=[numero], countdown=30)

    def las_tiene():
        respuestas = pila.control.control.inspect(timeout=1).scheduled() or {}
        return sum(len(tareas) for tareas in respuestas.values()) == 5

    esperar(las_tiene, timeout=30, intervalo=0.5, mensaje="the worker to hold the 5 scheduled tasks")

    redis_privado.detener()
    assert _estado_http(pila.url) == 200, "the catalog does not need Redis"
    redis_privado.arrancar()

    inicio = time.monotonic()
    esperar(pila.worker_responde, timeout=VUELTA, intervalo=0.5, mensaje="the stack's worker to answer a ping again")
    vuelta = time.monotonic() - inicio
    _una_tarea_corre(pila)
    assert _estado_http(pila.url) == 200
    worker_despues = pila.pids("worker")
    assert len(worker_despues) == 1
    if worker_despues != worker_antes:
        # kombu ended it; circus started another, and said so in the log.
        assert f"worker: process {worker_antes[0]} ended" in pila.salida()
    print(f"worker back in {vuelta:.1f}s; {'restarted by circus' if worker_despues != worker_antes else 'it survived'}")


def test_un_web_muerto_se_reemplaza_y_los_demas_siguen_en_el_puerto(pila):
    viejos = pila.pids("web")
    os.kill(viejos[0], signal.SIGKILL)

    # The other process keeps serving the shared socket while circus starts a replacement.
    estados = [_estado_http(pila.url) for _ in range(10)]
    assert estados == [200] * 10

    def reemplazado():
        actuales = pila.pids("web")
        return len(actuales) == PROCESOS_WEB and viejos[0] not in actuales and actuales

    nuevos = esperar(reemplazado, timeout=30, mensaje="circus to replace the killed web process")
    (nuevo,) = set(nuevos) - set(viejos)
    assert f"web: process {viejos[0]} ended (signal 9) after " in pila.salida()

    # The new process serves the same port too: its access log lines carry its pid.
    def el_nuevo_atiende():
        assert _estado_http(pila.url) == 200
        return any(f" {nuevo} | " in linea and '"GET /"' in linea for linea in pila.salida().splitlines())

    esperar(el_nuevo_atiende, timeout=60, intervalo=0.2, mensaje=f"the new web process {nuevo} to serve a request")


def test_un_worker_muerto_se_reemplaza(pila):
    (viejo,) = pila.pids("worker")
    hijos = psutil.Process(viejo).children(recursive=True)
    os.kill(viejo, signal.SIGKILL)

    esperar(lambda: pila.pids("worker") not in ([], [viejo]), timeout=30, mensaje="circus to start another worker")
    esperar(pila.worker_responde, timeout=VUELTA, intervalo=0.5, mensaje="the new worker to answer a ping")
    _una_tarea_corre(pila)
    # The dead worker's pool does not outlive it.
    esperar(lambda: not any(hijo.is_running() for hijo in hijos), timeout=30, mensaje="the old pool to exit")


def test_ctrl_c_para_todos_los_procesos(pila):
    procesos = pila.descendientes()
    assert len(procesos) >= len(PROCESOS) + PROCESOS_WEB  # the worker's pool too, and circus's plugin

    pila.circusd.send_signal(signal.SIGINT)
    assert pila.circusd.wait(60) == 0
    _, vivos = psutil.wait_procs(procesos, timeout=10)
    assert vivos == []
    assert _estado_http(pila.url, timeout=1) is None


def test_un_proceso_que_cae_en_bucle_espera_cada_vez_mas(tmp_path):
    """A process that exits at once, forever, is started again after 1, 2, 4, 8… seconds."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("falla: /bin/sh -c 'echo arranco; exit 3'\n")
    carpeta = Path(tempfile.mkdtemp(prefix="circus-"))
    config = runner.write_config(["falla"], runner.settings({}), carpeta, procfile)
    log = LOG_DIR / "procesos-bucle.log"
    with log.open("wb") as salida:
        circusd = subprocess.Popen(
            [sys.executable, "-m", "circus.circusd", str(config)], cwd=BASE_DIR, stdout=salida, stderr=subprocess.STDOUT
        )
    try:
        esperar(lambda: "starting another in 8s" in log.read_text(), timeout=60, mensaje="the fourth quick exit")
        arranques = log.read_text().count("| arranco")
        time.sleep(5)
        # Now it waits 8 s: nothing starts meanwhile (circus alone starts it once a second).
        assert log.read_text().count("| arranco") == arranques == 4
        esperando = psutil.Process(circusd.pid).children()
    finally:
        circusd.send_signal(signal.SIGINT)
        assert circusd.wait(30) == 0
        shutil.rmtree(carpeta, ignore_errors=True)

    texto = log.read_text()
    esperas = re.findall(r"ended \(exit code 3\) after \d+s; starting another in (\d+)s", texto)
    assert esperas == ["1", "2", "4", "8"]
    # Ctrl-C during the wait ends the waiting process too.
    assert len(esperando) == 1
    _, vivos = psutil.wait_procs(esperando, timeout=10)
    assert vivos == []
