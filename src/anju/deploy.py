"""The production shape on one machine (issue 18, decision 0033): each system its own processes and its
own PostgreSQL database, platform and housing in replicas behind HAProxy, outbox workers apart, and the
periodic jobs that cron runs in production.

    anju deploy local --postgres postgresql+psycopg://postgres@127.0.0.1:5432

Each system is reached only at its proxy address (``ANJU_<SYSTEM>_URL``): the platform at base+1, housing at
base+2, the sandbox at base+3. Replica *n* of a system listens on base+10·k+n. HAProxy balances round robin,
takes a replica out when its ``/readyz`` fails and names the replica that answered in ``X-Anju-Replica``
(this local shape only: it shows which replica served). Stopping the deployment stops everything it started.

With ``--isolated`` (root) each system runs in its own network namespace, joined by a veth pair to a bridge
that carries HAProxy's address; the systems reach each other and PostgreSQL (a TCP relay) only through
HAProxy, and ``netns_cut`` takes one off the bridge.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from anju.core.settings import SYSTEMS, SystemName

REPLICATED: tuple[SystemName, ...] = ("platform", "housing")
JOBS = (("review-jobs",), ("hcp", "tasks"), ("metrics", "rollup"))  # cron in production: every minute here
JOB_SECONDS = 60.0
READY_SECONDS = 120.0
SUPERVISE_SECONDS = 1.0
POSTGRES_RELAY_PORT = 5432  # on the bridge address: the database, relayed by HAProxy to the host's loopback


@dataclass(frozen=True)
class Shape:
    """What to start: where, on which database server, how many of each."""

    run_dir: Path
    postgres: str  # a server URL without a database name
    base_port: int = 8080
    replicas: int = 2
    workers: int = 2
    database_prefix: str = "anju_deploy"
    isolated: bool = False  # each system in its own network namespace, joined only through the proxy

    @property
    def tag(self) -> str:
        """This shape's mark on its namespaces and links (interface names have at most 15 characters)."""
        return str(self.base_port)

    @property
    def proxy_host(self) -> str:
        """Where HAProxy listens: loopback, or the bridge every namespace is attached to."""
        return f"10.77.{self.base_port // 100 % 250}.1" if self.isolated else "127.0.0.1"

    def host_of(self, system: SystemName) -> str:
        """Where a system's replicas listen, as the proxy reaches them."""
        if not self.isolated:
            return "127.0.0.1"
        return f"10.77.{self.base_port // 100 % 250}.{11 + SYSTEMS.index(system)}"

    def netns(self, system: SystemName) -> str:
        return f"anju{self.tag}-{system}"

    def proxy_port(self, system: SystemName) -> int:
        return self.base_port + 1 + SYSTEMS.index(system)

    def replica_ports(self, system: SystemName) -> list[int]:
        count = self.replicas if system in REPLICATED else 1
        return [self.base_port + 10 * (1 + SYSTEMS.index(system)) + n for n in range(1, count + 1)]

    def url(self, system: SystemName) -> str:
        return f"http://{self.proxy_host}:{self.proxy_port(system)}"

    def database_server(self) -> str:
        """The PostgreSQL server as the systems reach it: directly, or through the proxy's TCP relay."""
        if not self.isolated:
            return self.postgres
        return re.sub(r"@[^/@]+$", f"@{self.proxy_host}:{POSTGRES_RELAY_PORT}", self.postgres)

    def env(self) -> dict[str, str]:
        """The configuration every process of the deployment reads."""
        values = {
            "ANJU_VAR_DIR": str(self.run_dir),
            "ANJU_KEYS_DIR": str(self.run_dir / "keys"),
            "ANJU_TRUSTED_PROXIES": self.proxy_host,
            "ANJU_LOG_FORMAT": "json",
            # plain HTTP on this machine (a private bridge when isolated); TLS ends at a real deployment's proxy
            "ANJU_COOKIE_SECURE": "false",
        }
        for system in SYSTEMS:
            values[f"ANJU_{system.upper()}_URL"] = self.url(system)
            values[f"ANJU_{system.upper()}_DB_URL"] = (
                f"{self.database_server()}/{self.database_prefix}_{system}"
            )
        return values


# Ports for servers the tests and benches start: below Linux's ephemeral range (32768–60999 by default),
# so an outgoing connection's local port cannot take one between choosing it and binding it.
SERVER_PORTS = range(20000, 32000)


def port_free(port: int) -> bool:
    """Whether nothing holds this loopback port right now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# The OS's randomness, not the random module's, which the code in the same process may seed.
PORT_CHOICE = random.SystemRandom()


def free_base_port(replicas: int = 2) -> int:
    """A base port whose proxy and replica ports are all free right now (tests and benches)."""
    for _ in range(200):
        base = PORT_CHOICE.randrange(SERVER_PORTS.start, SERVER_PORTS.stop - 100, 100)
        shape = Shape(run_dir=Path("."), postgres="", base_port=base, replicas=replicas)
        ports = [shape.proxy_port(s) for s in SYSTEMS] + [p for s in SYSTEMS for p in shape.replica_ports(s)]
        if all(port_free(port) for port in ports):
            return base
    raise RuntimeError("no free ports")


def haproxy_binary() -> str | None:
    """Debian's HAProxy (in /usr/sbin, which a non-root PATH may lack)."""
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


def haproxy_config(shape: Shape) -> str:
    """HAProxy's configuration: a frontend per system, round robin over its replicas, health from /readyz."""
    lines = [
        "global",
        "    maxconn 4000",
        f"    pidfile {shape.run_dir / 'haproxy.pid'}",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 120s",
        "    timeout server 120s",
        "    option forwardfor",
        "    option redispatch",
        "    retries 2",
        "    retry-on conn-failure empty-response",
    ]
    for system in SYSTEMS:
        lines += [
            f"frontend {system}",
            f"    bind {shape.proxy_host}:{shape.proxy_port(system)}",
            f"    default_backend {system}_replicas",
            f"backend {system}_replicas",
            "    balance roundrobin",
            "    option httpchk GET /readyz",
            "    http-check expect status 200",
            "    http-response set-header X-Anju-Replica %[srv_name]",
        ]
        lines += [
            f"    server {system}-{n} {shape.host_of(system)}:{port} check inter 1s fall 2 rise 2"
            for n, port in enumerate(shape.replica_ports(system), start=1)
        ]
    if shape.isolated:  # the namespaces reach the host's database only through this relay
        server = re.search(r"@([^/@:]+)(?::(\d+))?$", shape.postgres)
        host, port = (server.group(1), server.group(2) or "5432") if server else ("127.0.0.1", "5432")
        lines += [
            "listen postgres",
            "    mode tcp",
            "    timeout client 1h",
            "    timeout server 1h",
            f"    bind {shape.proxy_host}:{POSTGRES_RELAY_PORT}",
            f"    server postgres {host}:{port}",
        ]
    return "\n".join(lines) + "\n"


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)  # noqa: S603, S607 - iproute2
    if done.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def netns_up(shape: Shape) -> None:
    """A bridge on the host at the proxy's address, and per system a namespace joined to it by a veth pair."""
    bridge = f"anb{shape.tag}"
    netns_down(shape)
    _ip("link", "add", bridge, "type", "bridge")
    _ip("addr", "add", f"{shape.proxy_host}/24", "dev", bridge)
    _ip("link", "set", bridge, "up")
    for system in SYSTEMS:
        namespace, outer, inner = (
            shape.netns(system),
            f"anv{shape.tag}{system[0]}",
            f"ann{shape.tag}{system[0]}",
        )
        _ip("netns", "add", namespace)
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", outer, "master", bridge, "up")
        _ip("link", "set", inner, "netns", namespace)
        _ip("-n", namespace, "addr", "add", f"{shape.host_of(system)}/24", "dev", inner)
        _ip("-n", namespace, "link", "set", inner, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")


def netns_down(shape: Shape) -> None:
    """Remove the namespaces and the bridge (their links go with them)."""
    for system in SYSTEMS:
        subprocess.run(["ip", "netns", "del", shape.netns(system)], capture_output=True)  # noqa: S603, S607
    subprocess.run(["ip", "link", "del", f"anb{shape.tag}"], capture_output=True)  # noqa: S603, S607


def netns_cut(shape: Shape, system: SystemName, *, cut: bool) -> None:
    """Cut a system off from everything (its link to the bridge down), or join it again."""
    _ip("link", "set", f"anv{shape.tag}{system[0]}", "down" if cut else "up")


def databases_ensure(shape: Shape, *, fresh: bool = False) -> None:
    """Each system's database on the server (dropped first when ``fresh``)."""
    admin = create_engine(f"{shape.postgres}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for system in SYSTEMS:
                name = f"{shape.database_prefix}_{system}"
                if fresh:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@dataclass
class Deployment:
    """The started processes of a shape, by name (``platform-1``, ``worker-housing-2``, ``haproxy`` …)."""

    shape: Shape
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _anju(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "anju.cli", *args]

    def _inside(self, system: SystemName, command: list[str]) -> list[str]:
        """The command, run in the system's namespace when the shape is isolated."""
        return ["ip", "netns", "exec", self.shape.netns(system), *command] if self.shape.isolated else command

    def _run(self, *args: str, check: bool) -> None:
        env = {**os.environ, **self.shape.env()}
        subprocess.run(self._anju(*args), env=env, check=check, capture_output=True)  # noqa: S603 - our own

    def _start(self, name: str, command: list[str]) -> None:
        log = open(self.shape.run_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own commands
            command, env={**os.environ, **self.shape.env()}, stdout=log, stderr=log, start_new_session=True
        )

    def start_one(self, name: str) -> None:
        """(Re)start one process by its name: a replica, a worker or the proxy."""
        kind, _, rest = name.partition("-")
        if name == "haproxy":
            config = self.shape.run_dir / "haproxy.cfg"
            self._start(name, [haproxy_binary() or "haproxy", "-f", str(config), "-db"])
        elif kind == "worker":
            system_of_worker: SystemName = rest.rsplit("-", 1)[0]  # type: ignore[assignment]
            self._start(name, self._inside(system_of_worker, self._anju("worker", system_of_worker)))
        else:
            system: SystemName = kind  # type: ignore[assignment]
            port = self.shape.replica_ports(system)[int(rest) - 1]
            host = "0.0.0.0" if self.shape.isolated else "127.0.0.1"  # noqa: S104 - inside its own namespace
            serve = self._anju("serve", system, "--host", host, "--port", str(port), "--no-workers")
            self._start(name, self._inside(system, serve))

    def names(self) -> list[str]:
        """Every process the shape has, in starting order."""
        replicas = [f"{s}-{n}" for s in SYSTEMS for n in range(1, len(self.shape.replica_ports(s)) + 1)]
        workers = [f"worker-{s}-{n}" for s in REPLICATED for n in range(1, self.shape.workers + 1)]
        return [*replicas, *workers, "haproxy"]

    def start(self, *, seed: bool = True) -> None:
        """Migrate (once, before any replica), seed the demo data, start everything, wait until ready."""
        if haproxy_binary() is None:
            raise RuntimeError("需要 HAProxy：apt-get install haproxy（make proxy 会安装）")
        self.shape.run_dir.mkdir(parents=True, exist_ok=True)
        if self.shape.isolated:
            netns_up(self.shape)
        (self.shape.run_dir / "haproxy.cfg").write_text(haproxy_config(self.shape), encoding="utf-8")
        databases_ensure(self.shape)
        self.start_one("haproxy")  # first: in an isolated shape it is also the way to the database
        self._run("seed" if seed else "migrate", check=True)
        for name in self.names():
            if name not in self.processes:
                self.start_one(name)
        self.wait_ready()
        threading.Thread(target=self._jobs, name="deploy-jobs", daemon=True).start()
        threading.Thread(target=self._supervise, name="deploy-supervisor", daemon=True).start()

    def _supervise(self) -> None:
        """Start again any process that died (as systemd's Restart=always would), logging each restart."""
        while not self._stop.wait(SUPERVISE_SECONDS):
            for name, process in list(self.processes.items()):
                if process.poll() is not None and not self._stop.is_set():
                    with open(self.shape.run_dir / "restarts.log", "a", encoding="utf-8") as log:
                        log.write(f"{time.time():.3f} {name} exited {process.returncode}; restarted\n")
                    self.restarts.append(name)
                    self.start_one(name)

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        """Until every system answers /readyz through the proxy (RuntimeError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        pending = list(SYSTEMS)
        while pending and time.monotonic() < deadline:
            for system in list(pending):
                try:
                    if httpx.get(f"{self.shape.url(system)}/readyz", timeout=2).status_code == 200:
                        pending.remove(system)
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        if pending:
            raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")

    def _jobs(self) -> None:
        while not self._stop.wait(JOB_SECONDS):
            for job in JOBS:
                self._run(*job, check=False)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send one process a signal (SIGKILL by default) and reap it."""
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop everything started: SIGTERM, then SIGKILL whatever is left after 10 s."""
        self._stop.set()
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.shape.isolated:
            netns_down(self.shape)
