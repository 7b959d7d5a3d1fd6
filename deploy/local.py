#!/usr/bin/env python
"""N app processes behind nginx on 127.0.0.1: the production layout (docs/deploy.md) for tests,
benchmarks and demos, run as an ordinary user.

    python deploy/local.py run --workers 2            # foreground; Ctrl-C stops everything
    python deploy/local.py start --workers 2          # in the background; prints the address
    python deploy/local.py stop                       # stops what `start` started

The app processes are `streamlit run app.py` on consecutive free ports from 8501, all with the
same DASHBOARD_COOKIE_KEY (a login cookie works on each) and DASHBOARD_PROXY_HOPS=1; nginx runs
deploy/nginx/dashboard.conf with only its ports and cache folder changed, its pid, logs and
temporary files in the state folder (default /tmp/dashboard-local). Settings come from
--env-file (the systemd environment file's KEY=value lines, deploy/dashboard.env), then the
environment; --database-url overrides DATABASE_URL.

Python callers use `cluster(workers, db_url)` (a context manager yielding a Cluster).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "dashboard.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STATE_DIR = Path(os.environ.get("DASHBOARD_LOCAL_DIR") or "/tmp/dashboard-local")
CACHE_PATH = "/var/cache/nginx/dashboard"

NGINX_MAIN = """daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    log_format upstream '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                        'up=$upstream_addr route=$route_key rt=$request_time';
    access_log {tmp}/access.log upstream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""


def site_config(app_ports: list[int], proxy_port: int, cache_dir: Path) -> str:
    """deploy/nginx/dashboard.conf with one upstream line per app port, listening on 127.0.0.1."""
    text = SITE.read_text()
    line = "    server 127.0.0.1:8501 max_fails=1 fail_timeout=10s;\n"
    assert line in text and "listen 80;" in text and CACHE_PATH in text, "dashboard.conf changed shape"
    servers = "".join(line.replace("8501", str(port)) for port in app_ports)
    return (
        text.replace(line, servers)
        .replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
        .replace(CACHE_PATH, str(cache_dir))
    )


def free_port(start: int | None = None) -> int:
    """`start` if it is free (else the next free one above it); any free port without `start`."""
    for port in range(start, start + 200) if start else [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port from {start}")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (systemd EnvironmentFile): blanks and # comments skipped, quotes taken off."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _get(url: str, timeout: float = 2) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if _get(f"{url}/_stcore/health") == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Cluster:
    """What `cluster()` started: the proxy's address, each app process's address and pid, logs."""

    url: str
    app_urls: list[str]
    app_pids: list[int]
    nginx_pid: int
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list, repr=False)

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def app_log(self, index: int) -> str:
        port = self.app_urls[index].rsplit(":", 1)[1]
        return (self.folder / f"streamlit-{port}.log").read_text(errors="replace")


def app_environment(db_url: str | None, env_file: Path | None) -> dict[str, str]:
    """The environment every app process gets: the env file, the caller's environment, one cookie
    key for all (generated for this run when none is set), DASHBOARD_PROXY_HOPS=1."""
    env = dict(os.environ)
    if env_file:
        env.update(read_env_file(env_file))
    if db_url:
        env["DATABASE_URL"] = db_url
    env.setdefault("DASHBOARD_COOKIE_KEY", secrets.token_urlsafe(32))
    env.setdefault("DASHBOARD_PROXY_HOPS", "1")
    return env


def streamlit_command(port: int, root: Path = ROOT) -> list[str]:
    """`streamlit run app.py` of the checkout at `root` on 127.0.0.1:`port`, headless, no file watcher
    (the command every local server of the deploy kit, the browser tests and the benches starts)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(root / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def _start_app(port: int, env: dict, folder: Path) -> subprocess.Popen:
    log = folder / f"streamlit-{port}.log"
    command = streamlit_command(port)
    with open(log, "w") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _start_nginx(app_ports: list[int], proxy_port: int, folder: Path) -> subprocess.Popen:
    if not os.access(NGINX, os.X_OK):
        raise RuntimeError(f"{NGINX} is missing: apt-get install -y nginx")
    (folder / "cache").mkdir(exist_ok=True)
    (folder / "site.conf").write_text(site_config(app_ports, proxy_port, folder / "cache"))
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(tmp=folder))
    check = subprocess.run([NGINX, "-t", "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    return subprocess.Popen(
        [NGINX, "-c", str(folder / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=open(folder / "nginx.stderr", "w")
    )


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def cluster(
    workers: int = 2,
    db_url: str | None = None,
    *,
    env_file: Path | None = None,
    proxy_port: int | None = None,
    first_app_port: int | None = None,
    folder: Path | None = None,
    extra_env: dict[str, str] | None = None,
):
    """Start `workers` app processes and nginx in front of them; yield a Cluster; stop them all."""
    own_folder = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="dashboard-local-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = app_environment(db_url, env_file)
    env.update(extra_env or {})
    processes: list[subprocess.Popen] = []
    try:
        ports = []
        for _ in range(workers):
            port = free_port((ports[-1] + 1) if ports else first_app_port) if first_app_port else free_port()
            ports.append(port)
            processes.append(_start_app(port, env, folder))
        app_urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process, port in zip(app_urls, processes, ports, strict=True):
            wait_healthy(url, process, folder / f"streamlit-{port}.log")
        proxy_port = proxy_port or free_port()
        nginx = _start_nginx(ports, proxy_port, folder)
        processes.append(nginx)
        url = f"http://127.0.0.1:{proxy_port}"
        wait_healthy(url, nginx, folder / "error.log", timeout=15)
        yield Cluster(url, app_urls, [p.pid for p in processes[:-1]], nginx.pid, folder, processes)
    finally:
        _stop(processes)
        if own_folder and not os.environ.get("DASHBOARD_LOCAL_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)


# --- command line ------------------------------------------------------------------------------


def cmd_run(args) -> int:
    """Foreground: start, print where, wait for Ctrl-C or SIGTERM, stop."""
    stop = {"now": False}

    def request_stop(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    folder = Path(args.state_dir)
    if folder.exists():
        shutil.rmtree(folder)
    with cluster(
        args.workers,
        args.database_url,
        env_file=args.env_file,
        proxy_port=args.port,
        first_app_port=args.first_app_port,
        folder=folder,
    ) as running:
        state = {
            "url": running.url,
            "apps": running.app_urls,
            "app_pids": running.app_pids,
            "nginx_pid": running.nginx_pid,
            "pid": os.getpid(),
            "folder": str(folder),
        }
        (folder / "state.json").write_text(json.dumps(state))
        print(f"dashboard: {running.url}  ({args.workers} app process(es): {' '.join(running.app_urls)})", flush=True)
        print(f"logs in {folder}; Ctrl-C (or `deploy/local.sh stop`) stops everything", flush=True)
        while not stop["now"] and all(p.poll() is None for p in running.processes):
            time.sleep(0.5)
        if not stop["now"]:
            print("a process ended by itself; stopping the rest", file=sys.stderr)
    (folder / "state.json").unlink(missing_ok=True)
    print("stopped", flush=True)
    return 0


def cmd_start(args) -> int:
    """Background: `run` in its own session, its output in the state folder; wait until ready."""
    folder = Path(args.state_dir)
    if (folder / "state.json").exists():
        print(f"already running (see {folder / 'state.json'}); `stop` first", file=sys.stderr)
        return 1
    folder.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "run",
        "--workers",
        str(args.workers),
        "--state-dir",
        str(folder),
        "--first-app-port",
        str(args.first_app_port),
    ]
    command += ["--port", str(args.port)]  # 0: any free port
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.env_file:
        command += ["--env-file", str(args.env_file)]
    output = open(f"{folder}.out", "w")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if (folder / "state.json").exists():
            state = json.loads((folder / "state.json").read_text())
            print(state["url"])
            return 0
        if process.poll() is not None:
            print(Path(f"{folder}.out").read_text()[-3000:], file=sys.stderr)
            return 1
        time.sleep(0.3)
    process.terminate()
    print("not ready within 180 s", file=sys.stderr)
    return 1


def cmd_stop(args) -> int:
    state_file = Path(args.state_dir) / "state.json"
    if not state_file.exists():
        print("nothing running", file=sys.stderr)
        return 0
    pid = json.loads(state_file.read_text())["pid"]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and state_file.exists():
        time.sleep(0.2)
    print("stopped" if not state_file.exists() else f"process {pid} did not stop", file=sys.stderr)
    return 0 if not state_file.exists() else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "start"):
        one = sub.add_parser(name)
        one.add_argument("--workers", type=int, default=2, help="app processes (default 2)")
        one.add_argument(
            "--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (default 8080; 0 = any free port)"
        )
        one.add_argument("--first-app-port", type=int, default=8501)
        one.add_argument("--database-url", help="overrides DATABASE_URL")
        one.add_argument("--env-file", type=Path, help="KEY=value lines, e.g. /etc/dashboard/dashboard.env")
        one.add_argument("--state-dir", default=str(STATE_DIR))
    stop = sub.add_parser("stop")
    stop.add_argument("--state-dir", default=str(STATE_DIR))
    args = parser.parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        parser.error("--workers must be at least 1")
    return {"run": cmd_run, "start": cmd_start, "stop": cmd_stop}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
