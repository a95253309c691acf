"""Real SPARQL stores on 127.0.0.1 for the tests: Oxigraph server and Virtuoso, one each per session.

Loaded as a pytest plugin (`pytest_plugins = ["stores"]` in conftest.py). Each store gets an empty
database in a temporary folder and free ports picked by the OS, so runs never share state and
never touch a store a developer has running. A store that does not come up within its deadline
fails the tests that need it with its own log, rather than hanging the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent
OXIGRAPH = shutil.which("oxigraph", path=str(VENV_BIN)) or shutil.which("oxigraph")
VIRTUOSO = shutil.which("virtuoso-t")
START_DEADLINE = 90.0  # seconds; a fresh Virtuoso database takes a few seconds to initialise


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, deadline: float = START_DEADLINE) -> None:
    """Poll `url` until it answers (any HTTP status), or fail with the server's log."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    text = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    stop(proc)
    pytest.fail(f"store at {url} did not start (exit code {proc.poll()}):\n{text}")


def stop(proc: subprocess.Popen, grace: float = 30.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """Base URL of an empty Oxigraph server (/query, /update, /store)."""
    if OXIGRAPH is None:
        pytest.fail("the 'oxigraph' command is missing: pip install 'oxigraph>=0.5,<0.6'")
    folder = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/query?query=ASK%7B%7D", proc, log)
    yield base
    stop(proc)


@dataclass
class Virtuoso:
    base: str  # http://127.0.0.1:PORT
    sparql: str  # SPARQL 1.1 Protocol endpoint (read)
    graph_store: str  # Graph Store Protocol endpoint with digest auth
    user: str
    password: str
    sql_port: int
    log: Path


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadCleanupInterval = 0
ResourcesCleanupInterval = 0
DirsAllowed = ., {d}
TempDBSize = 10
ServerThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}/www
ServerThreads = 10
MaxClientConnections = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory) -> Virtuoso:
    """An empty Virtuoso 7 (Debian virtuoso-opensource-7-bin) with the stock dba/dba account."""
    if VIRTUOSO is None:
        pytest.fail("virtuoso-t is missing: apt-get install virtuoso-opensource-7-bin")
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "www").mkdir()
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "stdout.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=folder,
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "LC_ALL": "C"})
    base = f"http://127.0.0.1:{http_port}"
    wait_http(base + "/sparql?query=ASK%7B%7D", proc, log)
    yield Virtuoso(base, base + "/sparql", base + "/sparql-graph-crud-auth", "dba", "dba", sql_port,
                   folder / "virtuoso.log")
    stop(proc)
