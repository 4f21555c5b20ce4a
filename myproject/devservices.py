"""Find, start and stop a local Redis for development and tests (no Django here).

Used by the Makefile (``python -m myproject.devservices ensure-redis|stop-redis``) and by
the test harness, which calls :func:`start_redis` to get a private throwaway server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VAR_DIR = Path(__file__).resolve().parent.parent / "var"
PIDFILE = VAR_DIR / "redis.pid"
LOGFILE = VAR_DIR / "redis.log"
START_TIMEOUT = 10.0
INSTALL_HINT = (
    "Install Redis: sudo apt-get install redis-server (Debian/Ubuntu) or brew install redis, or set REDIS_URL"
)


def _parse(url: str) -> tuple[str, int, str | None]:
    """Return (host, port, password) from a redis:// URL."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password else None
    if password is None and parts.username:  # redis://secret@host means a password only
        password = unquote(parts.username)
    return parts.hostname or "127.0.0.1", parts.port or 6379, password


def redact(url: str) -> str:
    """Return the URL with any password replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{user}***@{host}").geturl()


def redis_reachable(url: str, timeout: float = 0.5) -> bool:
    """Return True if a Redis server at ``url`` answers PING."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_redis_server() -> str | None:
    """Return the path of redis-server, installing it with apt-get when running as root."""
    found = shutil.which("redis-server")
    if found or os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    policy = subprocess.run(["apt-cache", "policy", "redis-server"], capture_output=True, text=True, check=False)
    if "Candidate:" not in policy.stdout or "Candidate: (none)" in policy.stdout:
        subprocess.run(["apt-get", "update"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "redis-server"], env=env, check=False)
    return shutil.which("redis-server")


def _wait_for_ping(url: str, proc: subprocess.Popen | None, logfile: Path) -> None:
    """Wait until ``url`` answers PING; raise RuntimeError with the log tail if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        if redis_reachable(url, timeout=0.2):
            return
        time.sleep(0.1)
    tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else "(no log)"
    raise RuntimeError(f"redis-server did not answer PING at {redact(url)}; log {logfile}:\n{tail}")


def start_redis(port: int, workdir: Path) -> subprocess.Popen:
    """Start a foreground redis-server on 127.0.0.1:``port`` with no persistence; the caller stops it."""
    binary = find_redis_server()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    if redis_reachable(f"redis://127.0.0.1:{port}/0"):
        raise RuntimeError(f"port {port} already has a Redis server; pick another (free_port())")
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    logfile = workdir / f"redis-{port}.log"
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(workdir)]
    with logfile.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_for_ping(f"redis://127.0.0.1:{port}/0", proc, logfile)
    except RuntimeError:
        proc.kill()
        proc.wait()
        raise
    return proc


def _pid_alive(pid: int) -> bool:
    """Return True if ``pid`` is a live process (and, where /proc exists, a redis one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    comm = Path(f"/proc/{pid}/comm")
    return not comm.exists() or comm.read_text().startswith("redis")


def ensure_redis() -> int:
    """Use REDIS_URL if it answers, else start a daemonized local redis-server; return an exit code."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if redis_reachable(url):
        print(f"Redis: using {redact(url)}")
        return 0
    host, port, password = _parse(url)
    if host not in LOCAL_HOSTS:
        print(f"Redis: {redact(url)} is not reachable; start it or fix REDIS_URL.", file=sys.stderr)
        return 1
    binary = find_redis_server()
    if binary is None:
        print(f"Redis: nothing answers at {redact(url)}. {INSTALL_HINT}", file=sys.stderr)
        return 1
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--daemonize", "yes", "--pidfile", str(PIDFILE), "--logfile", str(LOGFILE), "--dir", str(VAR_DIR)]
    if password is not None:
        cmd += ["--requirepass", password]
    subprocess.run(cmd, check=False, stdin=subprocess.DEVNULL)
    try:
        _wait_for_ping(url, None, LOGFILE)
    except RuntimeError as exc:
        print(f"Redis: {exc}", file=sys.stderr)
        return 1
    print(f"Redis: started local redis-server on port {port} ({PIDFILE.relative_to(VAR_DIR.parent)})")
    return 0


def stop_redis() -> int:
    """Stop the redis-server that ensure-redis started, if its pidfile names a live one; return 0."""
    try:
        pid = int(PIDFILE.read_text().strip())
    except (OSError, ValueError):
        print("Redis: no redis-server started by us (no var/redis.pid)")
        return 0
    if _pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + START_TIMEOUT
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        print(f"Redis: stopped redis-server (pid {pid})")
    else:
        print(f"Redis: pid {pid} from var/redis.pid is not running; removing stale pidfile")
    PIDFILE.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``ensure-redis`` or ``stop-redis`` command."""
    args = sys.argv[1:] if argv is None else argv
    commands = {"ensure-redis": ensure_redis, "stop-redis": stop_redis}
    if len(args) != 1 or args[0] not in commands:
        print(f"usage: python -m myproject.devservices {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    return commands[args[0]]()


if __name__ == "__main__":
    sys.exit(main())
