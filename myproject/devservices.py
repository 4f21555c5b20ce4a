"""Find, start and stop a local Redis and localstripe for development and tests (no Django here).

Used by the Makefile (``python -m myproject.devservices ensure-redis|stop-redis|
ensure-localstripe|stop-localstripe``) and by the test harness, which calls
:func:`start_redis` to get a private throwaway server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import redis

from myproject.localstripe_server import LOCALSTRIPE_SECRETO_WEBHOOK, LOCALSTRIPE_URL

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


# localstripe
# ------------------------------------------------------------------------------
LOCALSTRIPE_PIDFILE = VAR_DIR / "localstripe.pid"
LOCALSTRIPE_LOGFILE = VAR_DIR / "localstripe.log"
# Its objects survive a restart, as Stripe's would (localstripe's own file format).
LOCALSTRIPE_STATE = VAR_DIR / "localstripe" / "estado.pickle"


def localstripe_reachable(url: str, timeout: float = 0.5) -> bool:
    """Return True if a localstripe at ``url`` serves its Stripe.js mock."""
    try:
        with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _webhook_url() -> str:
    host = os.environ.get("WEB_BIND") or "127.0.0.1"
    host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - reached on loopback
    return f"http://{host}:{os.environ.get('WEB_PORT') or 8000}/pagos/stripe/webhook/"


def register_webhook(url: str, webhook_url: str, secret: str) -> None:
    """Point localstripe's signed payment events at the shop's webhook (again: it forgets on restart)."""
    import json

    from myproject.localstripe_server import EVENTOS

    body = json.dumps({"url": webhook_url, "secret": secret, "events": EVENTOS}).encode()
    request = urllib.request.Request(f"{url}/_config/webhooks/mitienda", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5):
        pass


def ensure_localstripe() -> int:
    """Use the local fake Stripe at STRIPE_API_BASE (default port 8420), starting it under var/ if needed.

    Skipped when STRIPE_API_BASE is set but empty (Stripe itself) or names another host.
    The shop's webhook (WEB_BIND:WEB_PORT) is registered either way.
    """
    live = (os.environ.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live_", "rk_live_"))
    url = os.environ.get("STRIPE_API_BASE", "" if live else LOCALSTRIPE_URL).rstrip("/")
    if not url:
        print("Stripe: STRIPE_API_BASE is empty, using Stripe itself")
        return 0
    parts = urlsplit(url)
    secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or LOCALSTRIPE_SECRETO_WEBHOOK
    if not localstripe_reachable(url):
        if parts.hostname not in LOCAL_HOSTS:
            print(f"Stripe: nothing answers at {url}; start it or fix STRIPE_API_BASE.", file=sys.stderr)
            return 1
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "myproject.localstripe_server", "--host", parts.hostname]
        cmd += ["--port", str(parts.port or 80), "--estado", str(LOCALSTRIPE_STATE)]
        cmd += ["--webhook", _webhook_url(), "--webhook-secret", secret]
        with LOCALSTRIPE_LOGFILE.open("ab") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        LOCALSTRIPE_PIDFILE.write_text(f"{proc.pid}\n")
        deadline = time.monotonic() + START_TIMEOUT
        while not localstripe_reachable(url, timeout=0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = LOCALSTRIPE_LOGFILE.read_text(errors="replace")[-2000:]
                print(
                    f"Stripe: localstripe did not start at {url}; log {LOCALSTRIPE_LOGFILE}:\n{tail}", file=sys.stderr
                )
                return 1
            time.sleep(0.1)
        print(f"Stripe: started localstripe on {url} ({LOCALSTRIPE_PIDFILE.relative_to(VAR_DIR.parent)})")
    else:
        print(f"Stripe: using localstripe at {url}")
    register_webhook(url, _webhook_url(), secret)
    print(f"Stripe: webhook → {_webhook_url()}")
    return 0


def stop_localstripe() -> int:
    """Stop the localstripe that ensure-localstripe started, if its pidfile names a live one; return 0."""
    try:
        pid = int(LOCALSTRIPE_PIDFILE.read_text().strip())
    except (OSError, ValueError):
        print("Stripe: no localstripe started by us (no var/localstripe.pid)")
        return 0
    cmdline = Path(f"/proc/{pid}/cmdline")
    alive = cmdline.exists() and b"localstripe_server" in cmdline.read_bytes()
    if alive:
        os.kill(pid, signal.SIGTERM)
        print(f"Stripe: stopped localstripe (pid {pid})")
    LOCALSTRIPE_PIDFILE.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command: ``ensure-redis``, ``stop-redis``, ``ensure-localstripe`` or ``stop-localstripe``."""
    args = sys.argv[1:] if argv is None else argv
    commands = {
        "ensure-redis": ensure_redis,
        "stop-redis": stop_redis,
        "ensure-localstripe": ensure_localstripe,
        "stop-localstripe": stop_localstripe,
    }
    if len(args) != 1 or args[0] not in commands:
        print(f"usage: python -m myproject.devservices {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    return commands[args[0]]()


if __name__ == "__main__":
    sys.exit(main())
