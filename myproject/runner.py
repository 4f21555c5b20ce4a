"""Run the Procfile's processes under circus for ``make run``, starting again any that exits.

``python -m myproject.runner web worker beat flower`` writes ``var/circus/circus.ini``
from the Procfile and runs circusd on it in the foreground; Ctrl-C stops every process.
The Procfile stays the one list of processes: each entry becomes a circus watcher, and
the entry that names ``$(circus.sockets.web)`` gets the listening socket, which circus
opens once on ``WEB_BIND:WEB_PORT`` and hands to ``WEB_PROCESSES`` Daphne processes
(``daphne --fd``), so they all serve one port. Their output reaches the terminal line by
line, each line prefixed with the process name and pid.

A process that exits, for whatever reason, is started again; kombu can end a Celery worker
when Redis restarts under it. One that had run for ``STABLE_AFTER`` seconds is started
again at once; one that keeps dying sooner waits 1, 2, 4… seconds, at most ``MAX_DELAY``,
before each new start, for as long as the stack runs. (Circus's own flapping plugin was
not used: it stops every process of the watcher, and its stop command loses a race with
the respawn, so in circus 0.19 the loop went on at one start per second.)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import socket
import sys
import time
import zlib
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PROCFILE = BASE_DIR / "Procfile"
RUN_DIR = BASE_DIR / "var" / "circus"
SOCKET = "$(circus.sockets.web)"
STABLE_AFTER = 30
MAX_DELAY = 30
# Each process starts through this: it sleeps the delay circusd chose, then becomes the command.
LAUNCHER = (
    f"{shlex.quote(sys.executable)} -S -c 'import os, sys, time; "
    'time.sleep(float(os.environ.get("PROCESOS_ESPERA") or 0)); os.execvp(sys.argv[1], sys.argv[1:])\''
)
# Seconds a process gets to stop after SIGTERM (a worker finishing its tasks) before SIGKILL.
GRACEFUL_TIMEOUT = 15

logger = logging.getLogger("circus")


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    """Return the Procfile's entries, name → command, in file order."""
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", name) or not command.strip():
            raise ValueError(f"{path}:{number}: expected 'name: command', got {line!r}")
        entries[name] = command.strip()
    return entries


def default_web_processes() -> int:
    """Return the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Return the runner's knobs from ``environ``, defaults filled in; raise ValueError if one is wrong."""
    values = {
        "WEB_BIND": environ.get("WEB_BIND") or "127.0.0.1",
        "WEB_PORT": environ.get("WEB_PORT") or "8000",
        "WEB_PROCESSES": environ.get("WEB_PROCESSES") or str(default_web_processes()),
        "FLOWER_ADDRESS": environ.get("FLOWER_ADDRESS") or "127.0.0.1",
        "FLOWER_PORT": environ.get("FLOWER_PORT") or "5555",
    }
    for name in ("WEB_PORT", "WEB_PROCESSES", "FLOWER_PORT"):
        if not values[name].isdigit() or int(values[name]) < 1:
            raise ValueError(f"{name} must be a positive integer, not {values[name]!r}")
    return values


def label_width(names: list[str]) -> int:
    """Return the width of the name column of the log lines (circusd's own lines included)."""
    return max(len(name) for name in [*names, "circus"])


def circus_ini(names: list[str], knobs: dict[str, str], run_dir: Path, procfile: Path = PROCFILE) -> str:
    """Return the circus configuration that runs the Procfile entries ``names``."""
    entries = read_procfile(procfile)
    unknown = [name for name in names if name not in entries]
    if unknown or not names:
        raise ValueError(f"unknown Procfile entries {unknown}; the Procfile has {list(entries)}")
    width = label_width(names)
    lines = [
        "# Written by myproject/runner.py from the Procfile at every `make run`; edit the Procfile.",
        "[circus]",
        # Sockets in a private folder: circus's TCP default would take Flower's port 5555,
        # and anyone on the machine could send it commands.
        f"endpoint = ipc://{run_dir / 'control.sock'}",
        f"pubsub_endpoint = ipc://{run_dir / 'pubsub.sock'}",
        "statsd = False",
        "check_delay = 1",
        f"pidfile = {run_dir / 'circusd.pid'}",
        f"loggerconfig = {run_dir / 'logging.json'}",
        "",
        # The Procfile reads these as $(circus.env.NAME); the processes inherit them.
        "[env]",
        *(f"{key} = {value}" for key, value in knobs.items()),
        f"PROCESOS_DIR = {run_dir}",
        "PROCESOS_ESPERA = 0",
        "PYTHONUNBUFFERED = 1",
    ]
    for name in names:
        command = entries[name]
        lines += [
            "",
            f"[watcher:{name}]",
            f"cmd = {LAUNCHER} {command}",
            f"working_dir = {BASE_DIR}",
            "copy_env = True",
            f"graceful_timeout = {GRACEFUL_TIMEOUT}",
            "hooks.after_spawn = myproject.runner.announce_start",
            "hooks.after_reap = myproject.runner.announce_exit",
        ]
        for stream in ("stdout", "stderr"):
            lines += [f"{stream}_stream.class = myproject.runner.PrefixedOutput", f"{stream}_stream.prefix = {name}"]
            lines.append(f"{stream}_stream.width = {width}")
        if SOCKET in command:
            lines += ["use_sockets = True", f"numprocesses = {knobs['WEB_PROCESSES']}"]
    if any(SOCKET in entries[name] for name in names):
        lines += ["", "[socket:web]", f"host = {knobs['WEB_BIND']}", f"port = {knobs['WEB_PORT']}"]
    return "\n".join(lines) + "\n"


class PrefixedOutput:
    """A circus stream that writes a process's output to our stdout, one whole line at a time,
    each line prefixed with the time, the Procfile name and the pid (as honcho did)."""

    COLORS = ("36", "33", "32", "35", "34", "31")

    def __init__(self, prefix: str = "", width: str | int = 0, **kwargs):
        self.prefix = prefix.ljust(int(width))
        self._partial: dict[int, bytes] = {}
        self._color = self.COLORS[zlib.crc32(prefix.encode()) % len(self.COLORS)]

    def __call__(self, data: dict) -> None:
        pid = data["pid"]
        *lines, rest = (self._partial.pop(pid, b"") + data["data"]).split(b"\n")
        if len(rest) > 8192:  # a process that never ends its line still gets seen
            lines.append(rest)
        elif rest:
            self._partial[pid] = rest
        for line in lines:
            self._write(pid, line)

    def _write(self, pid: int, line: bytes) -> None:
        label = f"{time.strftime('%H:%M:%S')} {self.prefix} {pid:>7} |"
        if sys.stdout.isatty():
            label = f"\033[{self._color}m{label}\033[0m"
        sys.stdout.write(f"{label} {line.decode(errors='replace').rstrip()}\n")
        sys.stdout.flush()

    def close(self) -> None:
        for pid, rest in self._partial.items():
            self._write(pid, rest)
        self._partial.clear()


def restart_delay(quick_exits: int) -> int:
    """Return the seconds to wait before starting a process again after ``quick_exits``
    exits in a row that each came less than ``STABLE_AFTER`` seconds after its start."""
    return 0 if quick_exits == 0 else min(MAX_DELAY, 2 ** (quick_exits - 1))


# The hooks run inside circusd, which keeps this state for the life of the stack.
_started: dict[int, float] = {}
_quick_exits: dict[str, int] = {}


def announce_start(watcher, arbiter, hook_name, pid, **kwargs) -> bool:
    """Log each process circus starts (circus itself says so only at debug level)."""
    # Its life starts when the launcher's wait ends.
    _started[pid] = time.monotonic() + float(watcher.env.get("PROCESOS_ESPERA") or 0)
    logger.info("%s: started process %s", watcher.name, pid)
    return True


def announce_exit(watcher, arbiter, hook_name, process_pid, exit_code, **kwargs) -> bool:
    """Log each process that ends and how; choose how long its replacement waits to start."""
    lived = max(0.0, time.monotonic() - _started.pop(process_pid, time.monotonic()))
    how = f"signal {-exit_code}" if exit_code is not None and exit_code < 0 else f"exit code {exit_code}"
    if watcher.is_stopping() or watcher.is_stopped():
        logger.info("%s: process %s ended (%s)", watcher.name, process_pid, how)
        return True
    quick = _quick_exits[watcher.name] = (_quick_exits.get(watcher.name, 0) + 1) if lived < STABLE_AFTER else 0
    delay = restart_delay(quick)
    # The launcher of the next process of this watcher reads it.
    watcher.env["PROCESOS_ESPERA"] = str(delay)
    then = f"starting another in {delay}s" if delay else "starting another"
    logger.info("%s: process %s ended (%s) after %.0fs; %s", watcher.name, process_pid, how, lived, then)
    return True


class QuietStopConflicts(logging.Filter):
    """Drop the traceback circus 0.19 logs each second while it stops ("arbiter is already
    running arbiter_stop command"): its periodic check colliding with the stop, harmless."""

    def filter(self, record: logging.LogRecord) -> bool:
        from circus.exc import ConflictError

        return not (record.exc_info and isinstance(record.exc_info[1], ConflictError))


def logging_config(width: int) -> dict:
    """Return circusd's own logging setup: its lines look like the processes' lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"stop_conflicts": {"()": "myproject.runner.QuietStopConflicts"}},
        "formatters": {
            "line": {"format": f"%(asctime)s {'circus'.ljust(width)} %(process)7d | %(message)s", "datefmt": "%H:%M:%S"}
        },
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stdout"}},
        "loggers": {"tornado.application": {"filters": ["stop_conflicts"]}},
        "root": {"level": "INFO", "handlers": ["stdout"]},
    }


def write_config(names: list[str], knobs: dict[str, str], run_dir: Path, procfile: Path = PROCFILE) -> Path:
    """Write circus.ini and circusd's logging.json into ``run_dir``; return circus.ini's path."""
    run_dir = run_dir.resolve()
    ini = circus_ini(names, knobs, run_dir, procfile)
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    (run_dir / "logging.json").write_text(json.dumps(logging_config(label_width(names)), indent=2))
    config = run_dir / "circus.ini"
    config.write_text(ini)
    return config


def busy_address(names: list[str], knobs: dict[str, str]) -> str | None:
    """Return the first listening address of ``names`` that something else already holds."""
    wanted = {"web": ("WEB_BIND", "WEB_PORT"), "flower": ("FLOWER_ADDRESS", "FLOWER_PORT")}
    for name, (host, port) in wanted.items():
        if name not in names:
            continue
        address = (knobs[host], int(knobs[port]))
        with socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET) as probe:
            # As circus binds: a socket left in TIME_WAIT by the last run is not "busy".
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                return f"{address[0]}:{address[1]} ({host}/{port}): {exc.strerror}"
    return None


def running_pid(run_dir: Path) -> int | None:
    """Return the pid of a circusd still running from ``run_dir``, if any."""
    try:
        pid = int((run_dir / "circusd.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def banner(names: list[str], knobs: dict[str, str]) -> str:
    """Return what ``make run`` prints before the processes' output."""
    web = f"http://{knobs['WEB_BIND']}:{knobs['WEB_PORT']}"
    flower = f"http://{knobs['FLOWER_ADDRESS']}:{knobs['FLOWER_PORT']}"
    password = os.environ.get("DEMO_PASSWORD", "demo12345")
    auth = os.environ.get("FLOWER_BASIC_AUTH", "(generated; see Flower's first lines)")
    return (
        f"\n  Shop:    {web}   (users vendedor / comprador / admin, password {password})\n"
        f"  Flower:  {flower}   (basic auth {auth})\n"
        f"  Processes: {' '.join(names)}   (web ×{knobs['WEB_PROCESSES']} on one socket)\n"
        "  A process that exits is started again; Ctrl-C stops them all.\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Write the circus configuration for the named Procfile entries and run circusd on it."""
    parser = argparse.ArgumentParser(prog="python -m myproject.runner", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", metavar="NAME", help="Procfile entries to run")
    parser.add_argument("--dir", type=Path, default=RUN_DIR, help="where the config, pidfile and control sockets go")
    args = parser.parse_args(argv)
    if running := running_pid(args.dir):
        print(f"make run: already running (circusd pid {running}); Ctrl-C it first.", file=sys.stderr)
        return 1
    try:
        knobs = settings(os.environ)
        config = write_config(args.names, knobs, args.dir)
    except ValueError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 2
    # circusd would log this and exit 0; say it plainly and fail.
    if busy := busy_address(args.names, knobs):
        print(f"make run: cannot listen on {busy}; stop what uses it or pick another port.", file=sys.stderr)
        return 1
    print(banner(args.names, knobs), flush=True)

    from circus import circusd

    sys.argv = ["circusd", str(config)]
    circusd.main()  # exits
    return 0


if __name__ == "__main__":
    sys.exit(main())
