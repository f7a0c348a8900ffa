"""Kernels that start in a fraction of a second: forked from a server that has already imported what
the notebooks import.

A fresh IPython kernel spends about four seconds of CPU importing pandas, matplotlib, seaborn,
statsmodels and the package before a notebook's first cell does any work; for a sweep of 230
countries that is most of the cost. The fork server imports them once; each kernel is a fork of it
that then starts exactly as ``python -m ipykernel_launcher -f CONNECTION_FILE`` would (same
environment, working folder, ``sys.path`` and matplotlib backend), so a notebook's outputs are the
same bytes as with a kernel started from scratch (tests/test_kernels.py compares them).

The server dies with the process that started it; each kernel ends when the process that asked for it
(a runner worker) ends, so no kernel outlives its run.
"""

from __future__ import annotations

import builtins
import ctypes
import importlib
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# What a kernel's matplotlib uses; ipykernel sets it when a kernel starts, and matplotlib reads it when
# imported, so the server sets it before importing anything.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
READY_TIMEOUT_SECONDS = 120
WATCH_SECONDS = 0.5
PR_SET_PDEATHSIG = 1


FRESH_KERNELS_ENV = "PERUMIG_FRESH_KERNELS"  # set to 1 to start every kernel from scratch instead


def enabled() -> bool:
    """Whether kernels are forked (Linux and macOS have fork; PERUMIG_FRESH_KERNELS=1 turns it off)."""
    return hasattr(os, "fork") and os.environ.get(FRESH_KERNELS_ENV, "") not in ("1", "true", "yes")


def notebook_imports() -> list[str]:
    """The modules the sections' notebooks import (with what those import), for the server to hold."""
    from perumig import stamps
    from perumig.sections import SECTIONS

    modules = set()
    for section in SECTIONS.values():
        if section.path.is_file():
            modules |= stamps.notebook_modules(section.path)
    return ["IPython.display", *sorted(f"perumig.{module}" for module in stamps.module_closure(modules))]


@dataclass(frozen=True)
class KernelUse:
    peak_mib: float | None  # the most memory (resident set) the kernel held
    cpu_seconds: float | None  # the processor time it used


def use_of(pid: int) -> KernelUse:
    """What kernel process ``pid`` has used so far (Linux /proc; None where unknown)."""
    peak = cpu = None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return KernelUse(None, None)
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, after the name in parentheses
    return KernelUse(peak, cpu)


def own_cpu_seconds() -> float:
    """This process's processor time so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ForkServer:
    """A server process holding the imports; ``fork`` gives a new kernel process.

    It listens on a Unix socket in ``folder``, a private folder (mode 0700) of this process: only this
    user can ask it for a kernel.
    """

    def __init__(self, modules: list[str], environment: dict[str, str], folder: Path):
        self.address = str(folder / "fork.sock")
        server_environment = {**os.environ, **environment, "MPLBACKEND": INLINE_BACKEND}
        self.owner = os.getpid()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "perumig.pipeline.kernels", self.address, str(os.getpid()), json.dumps(modules)],
            stdin=subprocess.DEVNULL, env=server_environment, cwd=str(folder))
        self._ready = False

    def _running(self) -> bool:
        """Whether the server runs; a forked worker is not its parent, so it asks the system, not Popen."""
        if os.getpid() == self.owner:
            return self.process.poll() is None
        return _running(self.process.pid)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self._ready:
            if not self._running():
                raise RuntimeError("the kernel fork server ended before it was ready")
            if os.path.exists(self.address + ".ready"):
                self._ready = True
            elif time.monotonic() > deadline:
                raise RuntimeError("the kernel fork server did not start")
            else:
                time.sleep(0.05)

    def fork(self, argv: list[str], environment: dict[str, str], cwd: str) -> int:
        """Start a kernel as ``argv`` (an ipykernel command line) would; returns its process id."""
        self.wait_ready()
        request = {"argv": argv, "env": environment, "cwd": cwd, "watch": os.getpid()}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.address)
            connection.sendall(json.dumps(request).encode() + b"\n")
            answer = connection.makefile("rb").readline()
        if not answer:
            raise RuntimeError("the kernel fork server did not answer")
        return int(answer)

    def close(self) -> None:
        if os.getpid() == self.owner and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs. A kernel is not this process's child: once it has ended it may wait as a
    zombie until whoever adopted it collects it, and a zombie has ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


class _ForkedKernel:
    """The part of subprocess.Popen that jupyter_client's provisioner uses, for a kernel it did not start."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None and not _running(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def forked_kernel_manager(server: ForkServer, **options):
    """A jupyter_client KernelManager whose kernel process is forked from ``server``."""
    from jupyter_client.manager import KernelManager

    class ForkedKernelManager(KernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            provisioner = self.provisioner
            try:
                pid = server.fork(kernel_cmd, kw.get("env") or dict(os.environ), str(kw.get("cwd") or os.getcwd()))
            except (OSError, RuntimeError, ValueError):  # no server to fork from: a kernel from scratch
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            provisioner.process = _ForkedKernel(pid)
            provisioner.pid = provisioner.pgid = pid
            provisioner.cwd = kw.get("cwd")
            self._reconcile_connection_info(provisioner.connection_info)

    return ForkedKernelManager(**options)


# The server itself: `python -m perumig.pipeline.kernels SOCKET PARENT_PID`.


def _watch(pid: int) -> None:
    """End this process when process ``pid`` has ended (a kernel whose run is gone has no one to serve): at once
    where the system can say so (a pidfd, Linux), else within WATCH_SECONDS."""
    try:
        ended = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):
        ended = None

    def watch() -> None:
        if ended is not None:
            select.select([ended], [], [])  # readable once the process has ended
            os._exit(1)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            time.sleep(WATCH_SECONDS)

    threading.Thread(target=watch, daemon=True, name="perumig-watch-requester").start()


def _become_kernel(request: dict, start_folder: str, server: int) -> None:
    """In the forked child: take the kernel's environment and start it as ipykernel_launcher would.

    It ends at once with the server or with the worker it serves: a kernel still starting when its run was killed
    found its folder removed and made it anew (ipykernel writes a connection file it does not find), and left it.
    """
    os.setsid()
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(stop, signal.SIG_DFL)
    die_with_parent(server)  # the server's own handler killed only the kernels it had counted
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(os.getppid())  # as jupyter_client's launcher sets it, for the kernel's parent
    os.chdir(request["cwd"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if sys.path and sys.path[0] in ("", start_folder):  # as ipykernel_launcher removes its own folder
        del sys.path[0]
    argv = request["argv"]
    sys.argv = ["ipykernel_launcher", *argv[argv.index("ipykernel_launcher") + 1:]]
    _watch(request["watch"])
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


class _KernelShell:
    """What a module sees at import when it asks IPython's ``get_ipython()`` inside a Jupyter kernel: a
    shell with a kernel. pandas, for one, then shows at most 20 columns instead of sizing to a terminal."""

    kernel = True


def _import_as_in_a_kernel(modules: list[str]) -> None:
    builtins.get_ipython = _KernelShell
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        del builtins.get_ipython


def _serve(address: str, parent: int, modules: list[str]) -> None:
    die_with_parent(parent)
    start_folder, server = os.getcwd(), os.getpid()
    # The kernels' parent is this server; ipykernel reads the variable when it is imported (below), as
    # its default for the process to watch: a kernel ends when the server ends, as one started by
    # jupyter_client ends with the process that started it.
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    _import_as_in_a_kernel(["ipykernel.kernelapp", *modules])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they end
    kernels: list[int] = []

    def stop(signum, frame):
        # Its kernels go with it, at once: left alone, each would notice within a second and say so on the terminal.
        for pid in kernels:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(address)
        listener.listen()
        Path(address + ".ready").touch()
        while True:
            connection, _ = listener.accept()
            with connection:
                request = json.loads(connection.makefile("rb").readline())
                pid = os.fork()
                if pid == 0:
                    try:
                        connection.close()
                        listener.close()
                        _become_kernel(request, start_folder, server)
                    finally:
                        os._exit(0)
                kernels.append(pid)
                connection.sendall(f"{pid}\n".encode())


def die_with_parent(parent: int) -> None:
    """Ask the operating system to send SIGTERM to this process when ``parent`` ends.

    Linux does it on request (prctl PR_SET_PDEATHSIG); elsewhere a thread watches the parent id.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(WATCH_SECONDS)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))
