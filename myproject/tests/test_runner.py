"""The circus configuration `make run` writes from the Procfile (no processes started here;
``test_runner_fallos.py`` runs it)."""

import re
import socket
from pathlib import Path

import pytest

from myproject import devservices, runner
from pruebas.procesos import BASE_DIR

CARPETA = Path("/tmp/circus-prueba")


def _listas_del_makefile() -> list[list[str]]:
    makefile = (BASE_DIR / "Makefile").read_text()
    return [linea.split() for linea in re.findall(r"^PROCESSES := (.*)$", makefile, re.M)]


def test_cada_lista_del_makefile_sale_del_procfile_con_un_solo_beat():
    listas = _listas_del_makefile()
    assert len(listas) == 2  # WORKERS=all and WORKERS=split
    for nombres in listas:
        ini = runner.circus_ini(nombres, runner.settings({}), CARPETA)
        assert re.findall(r"^\[watcher:(\w+)\]$", ini, re.M) == nombres
        assert nombres.count("beat") == 1 and ini.count(" beat -l info") == 1
        assert nombres[0] == "web" and "flower" in nombres


def test_la_web_comparte_un_socket_en_localhost_entre_web_processes():
    ini = runner.circus_ini(["web", "flower"], runner.settings({"WEB_PROCESSES": "3"}), CARPETA)
    web = ini.split("[watcher:web]")[1].split("\n\n")[0]
    launcher = runner.LAUNCHER
    assert f"cmd = {launcher} .venv/bin/daphne --fd $(circus.sockets.web) myproject.asgi:application" in web
    assert "use_sockets = True" in web and "numprocesses = 3" in web
    assert "[socket:web]\nhost = 127.0.0.1\nport = 8000\n" in ini
    assert "FLOWER_ADDRESS = 127.0.0.1\nFLOWER_PORT = 5555\n" in ini
    assert "0.0.0.0" not in ini
    # The control sockets stay in the private folder, off TCP (circus's default takes port 5555).
    assert f"endpoint = ipc://{CARPETA}/control.sock" in ini and "tcp://" not in ini
    otro = runner.circus_ini(["web"], runner.settings({"WEB_BIND": "0.0.0.0", "WEB_PORT": "9000"}), CARPETA)
    assert "[socket:web]\nhost = 0.0.0.0\nport = 9000\n" in otro


def test_web_processes_por_omision_es_el_numero_de_nucleos():
    assert runner.settings({})["WEB_PROCESSES"] == str(runner.default_web_processes()) != "0"


@pytest.mark.parametrize("variable", ["WEB_PROCESSES", "WEB_PORT", "FLOWER_PORT"])
@pytest.mark.parametrize("valor", ["0", "-1", "dos"])
def test_un_numero_invalido_se_rechaza_con_su_nombre(variable, valor):
    with pytest.raises(ValueError, match=variable):
        runner.settings({variable: valor})


def test_un_nombre_que_no_esta_en_el_procfile_se_rechaza():
    with pytest.raises(ValueError, match="unknown Procfile entries \\['wroker'\\]"):
        runner.circus_ini(["web", "wroker"], runner.settings({}), CARPETA)


def test_la_salida_se_escribe_por_lineas_enteras_con_nombre_y_pid(capsys):
    salida = runner.PrefixedOutput(prefix="web", width="6")
    # A chunk may end inside a line, even inside a UTF-8 character ("í" is C3 AD).
    salida({"pid": 41, "data": b"primera l\xc3"})
    salida({"pid": 42, "data": b"otro proceso\n"})
    salida({"pid": 41, "data": b"\xadnea\nsegunda\nter"})
    salida.close()
    lineas = [linea.split(" ", 1)[1] for linea in capsys.readouterr().out.splitlines()]
    assert lineas == [
        "web         42 | otro proceso",
        "web         41 | primera línea",
        "web         41 | segunda",
        "web         41 | ter",
    ]


def test_la_espera_entre_arranques_crece_y_tiene_tope():
    esperas = [runner.restart_delay(seguidas) for seguidas in range(9)]
    assert esperas == [0, 1, 2, 4, 8, 16, runner.MAX_DELAY, runner.MAX_DELAY, runner.MAX_DELAY]


def test_un_puerto_ocupado_se_dice_antes_de_arrancar():
    with socket.socket() as ocupado:
        ocupado.bind(("127.0.0.1", 0))
        ocupado.listen()
        puerto = str(ocupado.getsockname()[1])
        web = runner.settings({"WEB_PORT": puerto})
        assert runner.busy_address(["web", "worker"], web).startswith(f"127.0.0.1:{puerto} (WEB_BIND/WEB_PORT)")
        assert runner.busy_address(["worker", "flower"], web) is None
        flower = runner.settings({"FLOWER_PORT": puerto, "WEB_PORT": str(devservices.free_port())})
        assert "FLOWER_ADDRESS/FLOWER_PORT" in runner.busy_address(["web", "flower"], flower)
