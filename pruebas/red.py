"""Several hosts on one machine: network namespaces on a private bridge, and a private PostgreSQL.

:class:`Red` makes one network namespace per host, each with only its loopback and one
veth address on a bridge of the root namespace (whose own address there is
:attr:`Red.puerta`): processes started with :meth:`Red.prefijo` (``ip netns exec <ns>``)
reach each other only over that network, as separate machines do. :class:`PostgresPrivado`
is a throwaway cluster (``initdb``, ``pg_ctl``) listening on one host's address.

Names carry this process's pid (namespaces ``mitienda-<pid>-<host>``, bridge
``mtb<pid>``), so what a crashed run left never blocks the next one, and
:func:`limpiar_restos` removes it once its pid is gone. Needs root. No pytest here.
"""

import ipaddress
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .procesos import esperar

_ESPACIO = re.compile(r"^mitienda-(\d+)-\S+")
_PUENTE = re.compile(r"^mtb(\d+)$")
_CLUSTER = re.compile(r"^mitienda-pg-(\d+)-")


def _ip(*argumentos: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *argumentos], capture_output=True, text=True, check=check, timeout=30)


def por_que_no() -> str | None:
    """Return why this machine cannot build the hosts' network (not root, no ``ip netns``), or None."""
    if os.geteuid() != 0:
        return "needs root (ip netns, veth, bridge)"
    if not shutil.which("ip"):
        return "the ip command (iproute2) is missing"
    sonda = f"mitienda-{os.getpid()}-sonda"
    hecho = _ip("netns", "add", sonda, check=False)
    if hecho.returncode:
        return f"ip netns is not usable here: {hecho.stderr.strip()[:200]}"
    _ip("netns", "del", sonda, check=False)
    hecho = _ip("link", "add", f"mtb{os.getpid()}", "type", "bridge", check=False)
    if hecho.returncode:
        return f"cannot make a bridge here: {hecho.stderr.strip()[:200]}"
    _ip("link", "del", f"mtb{os.getpid()}", check=False)
    return None


def binarios_postgres() -> Path | None:
    """Return the folder of the newest installed PostgreSQL server binaries (initdb, pg_ctl, postgres)."""
    carpetas = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda c: int(c.parent.name), reverse=True)
    if encontrado := shutil.which("initdb"):
        carpetas.append(Path(encontrado).parent)
    for carpeta in carpetas:
        if all((carpeta / binario).exists() for binario in ("initdb", "pg_ctl", "postgres")):
            return carpeta
    return None


def _vivo(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _pids_en(espacio: str) -> set[int]:
    return {int(p) for p in _ip("netns", "pids", espacio, check=False).stdout.split()}


def _matar_en(espacio: str) -> None:
    """SIGKILL every process still in the namespace ``espacio`` and wait until none is left."""
    for pid in _pids_en(espacio):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    esperar(lambda: not _pids_en(espacio), timeout=10, mensaje=f"the processes in {espacio} to die")


def limpiar_restos() -> None:
    """Remove the namespaces, bridges and PostgreSQL clusters of earlier runs whose process is gone."""
    for linea in _ip("netns", "list", check=False).stdout.splitlines():
        if (hallado := _ESPACIO.match(linea)) and not _vivo(int(hallado.group(1))):
            espacio = linea.split()[0]
            _matar_en(espacio)
            _ip("netns", "del", espacio, check=False)
    for linea in _ip("-o", "link", "show", "type", "bridge", check=False).stdout.splitlines():
        nombre = linea.split(":")[1].strip().split("@")[0]
        if (hallado := _PUENTE.match(nombre)) and not _vivo(int(hallado.group(1))):
            _ip("link", "del", nombre, check=False)
    for carpeta in Path(tempfile.gettempdir()).glob("mitienda-pg-*"):
        if (hallado := _CLUSTER.match(carpeta.name)) and not _vivo(int(hallado.group(1))):
            shutil.rmtree(carpeta, ignore_errors=True)


def _subred_libre() -> ipaddress.IPv4Network:
    """Return a 10.213.k.0/24 that no address or route of the machine overlaps."""
    usadas = []
    for linea in _ip("-o", "-4", "route", "show", "table", "all", check=False).stdout.splitlines():
        try:
            usadas.append(ipaddress.ip_network(linea.split()[0], strict=False))
        except ValueError:
            continue  # "default", "broadcast ..." and the like
    for k in [(os.getpid() + n) % 256 for n in range(256)]:
        subred = ipaddress.ip_network(f"10.213.{k}.0/24")
        if not any(subred.overlaps(otra) for otra in usadas if otra.prefixlen > 0):
            return subred
    raise RuntimeError("no free 10.213.x.0/24 subnet on this machine")


class Red:
    """One network namespace per host on a private bridge; :meth:`destruir` undoes it all."""

    def __init__(self, hosts: list[str]):
        pid = os.getpid()
        self.puente = f"mtb{pid}"
        self.subred = _subred_libre()
        direcciones = list(self.subred.hosts())
        self.puerta = str(direcciones[0])
        self.espacios = {host: f"mitienda-{pid}-{host}" for host in hosts}
        self.direcciones = {host: str(direcciones[n + 1]) for n, host in enumerate(hosts)}
        self._veths = {host: f"mtv{pid}{n}" for n, host in enumerate(hosts)}

    def prefijo(self, host: str) -> list[str]:
        """Return what runs a command on ``host``: ``ip netns exec <its namespace>``."""
        return ["ip", "netns", "exec", self.espacios[host]]

    def pids(self, host: str) -> set[int]:
        """Return the ids of the processes running on ``host`` (in its namespace)."""
        return _pids_en(self.espacios[host])

    def crear(self) -> None:
        """Make the bridge and the hosts (cleaning up after itself if any step fails)."""
        try:
            mascara = self.subred.prefixlen
            _ip("link", "add", self.puente, "type", "bridge")
            _ip("addr", "add", f"{self.puerta}/{mascara}", "dev", self.puente)
            _ip("link", "set", self.puente, "up")
            for host, espacio in self.espacios.items():
                veth = self._veths[host]
                _ip("netns", "add", espacio)
                _ip("link", "add", veth, "type", "veth", "peer", "name", f"{veth}p")
                _ip("link", "set", f"{veth}p", "netns", espacio)
                _ip("link", "set", veth, "master", self.puente, "up")
                _ip("-n", espacio, "link", "set", f"{veth}p", "name", "eth0")
                _ip("-n", espacio, "addr", "add", f"{self.direcciones[host]}/{mascara}", "dev", "eth0")
                _ip("-n", espacio, "link", "set", "eth0", "up")
                _ip("-n", espacio, "link", "set", "lo", "up")
                # No IPv6 link-local address either: the veth's one IPv4 address is all a host has.
                subprocess.run([*self.prefijo(host), "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
        except BaseException:
            self.destruir()
            raise

    def destruir(self) -> None:
        """Kill what still runs in the hosts, remove their namespaces (and veths) and the bridge."""
        for espacio in self.espacios.values():
            if espacio in _ip("netns", "list", check=False).stdout.split():
                _matar_en(espacio)
                _ip("netns", "del", espacio, check=False)
        _ip("link", "del", self.puente, check=False)


class PostgresPrivado:
    """A throwaway PostgreSQL cluster (initdb, then pg_ctl as the ``postgres`` OS user) on ``host``'s address.

    Trust authentication from the hosts' subnet (a test network nobody else is on); fsync
    off (the data is thrown away). :meth:`detener` stops it and removes its folder.
    """

    def __init__(self, binarios: Path, host: str, subred: str, prefijo: list[str], logs: Path, puerto: int = 5432):
        self.binarios, self.host, self.subred, self.prefijo, self.puerto = binarios, host, subred, prefijo, puerto
        self.logs, self.usuario = logs, pwd.getpwnam("postgres")
        self.carpeta = Path(tempfile.mkdtemp(prefix=f"mitienda-pg-{os.getpid()}-"))
        self.datos = self.carpeta / "datos"

    def url(self, base: str) -> str:
        return f"postgres://postgres@{self.host}:{self.puerto}/{base}"

    def _como_postgres(self, *comando: str, en_el_host: bool = False) -> None:
        completo = [*(self.prefijo if en_el_host else []), "runuser", "-u", "postgres", "--", *comando]
        hecho = subprocess.run(completo, capture_output=True, text=True, timeout=120, check=False)
        if hecho.returncode:
            raise RuntimeError(f"{' '.join(comando[:3])} failed: {hecho.stdout[-1500:]} {hecho.stderr[-1500:]}")

    def iniciar(self) -> None:
        os.chown(self.carpeta, self.usuario.pw_uid, self.usuario.pw_gid)
        initdb, pg_ctl = str(self.binarios / "initdb"), str(self.binarios / "pg_ctl")
        self._como_postgres(initdb, "-D", str(self.datos), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        with (self.datos / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {self.subred} trust\n")
        opciones = f"-c listen_addresses={self.host} -p {self.puerto} -k {self.carpeta} -c fsync=off"
        opciones += " -c synchronous_commit=off -c full_page_writes=off"
        log = str(self.carpeta / "postgres.log")
        self._como_postgres(pg_ctl, "-D", str(self.datos), "-l", log, "-o", opciones, "-w", "-t", "60", "start",
                            en_el_host=True)  # fmt: skip

    def crear_base(self, nombre: str) -> str:
        """Create the database ``nombre`` (over the network, as a client would); return its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conexion:
            conexion.execute(f'CREATE DATABASE "{nombre}"')
        return self.url(nombre)

    def detener(self) -> None:
        """Stop the server at once (its data is thrown away), keep its log with the others, remove the cluster."""
        if (self.datos / "postmaster.pid").exists():
            try:
                self._como_postgres(str(self.binarios / "pg_ctl"), "-D", str(self.datos), "-m", "immediate", "stop")
            except RuntimeError:
                pass  # the namespace's teardown kills what is left
        if (log := self.carpeta / "postgres.log").exists():
            self.logs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, self.logs / "varios-hosts-postgres.log")
        shutil.rmtree(self.carpeta, ignore_errors=True)
