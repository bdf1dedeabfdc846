"""The Jupyter kernels the reports run in: specs, transport, warm (forked) kernels, start failures.

* :data:`KERNEL_NAME` is the kernel every report runs in; :func:`check_kernel` stops a run with
  a sentence when it is not installed.
* :func:`kernel_manager` gives one report its own kernel manager on :data:`KERNEL_TRANSPORT`
  (Unix domain sockets on POSIX: no TCP port is chosen, so parallel starts cannot race);
  :func:`shutdown_quietly` stops it and removes its socket folder; a batch hands finished
  kernels to :func:`shutdown_in_background` (a worker goes on with its next report while the
  kernel exits) and waits for them with :func:`wait_for_shutdowns` before it returns. Its
  client is :class:`josanalysis.runner.kernel_client.PromptKernelClient`.
* :func:`forked_kernel_specs` makes that kernel a fork of a warm template process which has
  already imported :func:`warm_imports` (see "Warm kernels" below and ``docs/batch.md``).
* :func:`is_kernel_start_failure` tells a kernel that did not start (retried) from an error of
  the notebook (reported).

Third-party modules (jupyter_client, papermill, zmq) are imported where they are used: this
module is imported by the CLI, which must start quickly.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextvars
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from josanalysis.core.errors import ConfigError

__all__ = [
    "KERNEL_NAME",
    "KERNEL_TRANSPORT",
    "START_TIMEOUT",
    "WARM_DEFAULT",
    "check_kernel",
    "forked_kernel_specs",
    "in_own_event_loop",
    "is_kernel_start_failure",
    "kernel_manager",
    "shutdown_in_background",
    "shutdown_quietly",
    "wait_for_shutdowns",
    "warm_imports",
]

#: The Jupyter kernel every report runs in (registered by ``make install``).
KERNEL_NAME = "josanalysis"

#: Seconds papermill waits for a kernel to start (generous: machines under parallel load).
START_TIMEOUT = 120

#: How papermill talks to a report's kernel: Unix domain sockets ("ipc") on POSIX, so no TCP
#: port is ever chosen -- the port races of parallel kernel starts ("Address already in use",
#: a kernel receiving another kernel's messages) cannot happen, and the kernel does not warn
#: about unencrypted TCP. Windows has no ZeroMQ ipc transport and keeps "tcp" on 127.0.0.1.
KERNEL_TRANSPORT = "ipc" if os.name == "posix" else "tcp"


def check_kernel(name: str) -> None:
    """Stop with a sentence when the Jupyter kernel the reports run in is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ConfigError(
            f"The Jupyter kernel '{name}' is not installed; register it with `make install` "
            f"(or: python -m ipykernel install --sys-prefix --name {name})."
        ) from None


def kernel_manager(kernel_name: str, kernel_spec_manager: Any = None):
    """The (not yet started) kernel manager of one report, on :data:`KERNEL_TRANSPORT`.

    With ipc the sockets are files under a private temporary folder of this kernel, removed
    again by :func:`shutdown_quietly`.
    """
    from jupyter_client.manager import AsyncKernelManager

    # the client class by name: jupyter_client imports it when the kernel starts
    kw: dict[str, Any] = {"kernel_name": kernel_name,
                          "client_class": "josanalysis.runner.kernel_client.PromptKernelClient"}
    if kernel_spec_manager is not None:
        kw["kernel_spec_manager"] = kernel_spec_manager
    if KERNEL_TRANSPORT == "ipc":
        folder = tempfile.mkdtemp(prefix="jos-kernel-")   # mode 0700, short path (socket limit)
        kw.update(transport="ipc", ip=os.path.join(folder, "k"))
    return AsyncKernelManager(**kw)


#: Kernels are shut down by a background thread, so that a worker goes on with its next report
#: while the finished kernel exits (0.1-0.9 s, most of it waiting for the process to end).
_SHUTDOWNS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jos-kernel-shutdown")
_PENDING: set[Future] = set()
_PENDING_LOCK = threading.Lock()


def shutdown_in_background(km: Any) -> None:
    """Shut a finished report's kernel down (:func:`shutdown_quietly`) without waiting for it;
    :func:`wait_for_shutdowns` waits for every kernel handed over so far."""
    future = _SHUTDOWNS.submit(in_own_event_loop, shutdown_quietly, km)
    with _PENDING_LOCK:
        _PENDING.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _PENDING_LOCK:
        _PENDING.discard(future)


def wait_for_shutdowns(timeout: float = 30.0) -> None:
    """Wait until the kernels handed to :func:`shutdown_in_background` have exited (at most ``timeout`` s)."""
    with _PENDING_LOCK:
        pending = list(_PENDING)
    wait(pending, timeout=timeout)


def in_own_event_loop(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` with an event loop of its own, closed afterwards.

    Each report runs in one (:func:`josanalysis.runner.execution.run_task`), and so does each
    background shutdown (:func:`shutdown_in_background`). papermill and jupyter_client drive a
    kernel through jupyter_core's ``run_sync``, which keeps the event loop it uses in a context
    variable. A local cluster's workers are threads, and a task can start in a copy of the
    submitting thread's context: a loop found there may be running in another thread ("This
    event loop is already running"). An empty context gives the call a loop of its own; it is
    closed when the call is done, so a long run leaks none.
    """
    context = contextvars.Context()
    try:
        return context.run(fn, *args)
    finally:
        context.run(_close_thread_loop)


def _close_thread_loop() -> None:
    """Close this thread's event loop (the one the report's papermill call created), if idle."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)


def shutdown_quietly(km: Any) -> None:
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=False)
    except Exception:  # noqa: BLE001 - best effort; the kernel watches its stand-in anyway
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001
            pass
    if getattr(km, "transport", "tcp") == "ipc":
        shutil.rmtree(os.path.dirname(km.ip), ignore_errors=True)



def _any_cell_started(nb_path: Path) -> bool:
    """Whether papermill recorded any cell as started in a (partial) output notebook."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for cell in nb.get("cells", []):
        # papermill marks every cell "completed" when it gives up, so look at start times
        if cell.get("metadata", {}).get("papermill", {}).get("start_time") or cell.get(
                "execution_count"):
            return True
    return False


def is_kernel_start_failure(exc: BaseException, nb_path: Path) -> bool:
    """A kernel that did not start (port race, died before kernel_info, start timeout).

    Errors raised by notebook code (papermill's ``PapermillExecutionError``) and a kernel that
    dies while a cell runs are not start failures: they are reported, not retried.
    """
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return False
    text = str(exc)
    start_like = isinstance(exc, TimeoutError) or (
        isinstance(exc, RuntimeError)
        and ("Kernel died before replying to kernel_info" in text
             or "Kernel didn't respond" in text)
    )
    try:
        import zmq

        if isinstance(exc, zmq.error.ZMQError) and (
            getattr(exc, "errno", None) == zmq.EADDRINUSE or "Address already in use" in text
        ):
            start_like = True
    except ImportError:  # pragma: no cover - zmq comes with jupyter_client
        pass
    if isinstance(exc, OSError) and "Address already in use" in text:
        start_like = True
    return start_like and not _any_cell_started(nb_path)



# --------------------------------------------------------------------------------------------
# Warm kernels: a fork server per worker (default on Linux; ``warm=False`` to disable)
# --------------------------------------------------------------------------------------------
#
# A report's fixed cost is kernel start plus imports (numpy, pandas, statsmodels, matplotlib,
# ...). Reusing one kernel for many reports would save it, but a namespace reset is not a clean
# state (module state, rcParams, options, RNG and caches leak between reports). Instead each
# worker keeps a *template* process that has done the imports once; every report gets a kernel
# forked from it: a fresh process, with the modules imported and untouched, nothing inherited
# from other reports. jupyter_client launches a tiny stand-in process (``_FORKED_KERNEL_CODE``)
# that asks the template to fork the real kernel, passes its stdio, relays signals and exits
# when the kernel exits, so papermill and nbclient see an ordinary kernel process.

#: Whether kernels are forked from a warm template by default (Linux only).
WARM_DEFAULT = sys.platform.startswith("linux")

#: Modules every warm template imports, besides those the notebooks import. ``ipykernel.debugger``
#: (and the debugpy it loads) is imported by every kernel when it starts: a third of a forked
#: kernel's start when the kernel has to import it itself.
#: ``pyfixest.did.estimation`` is what :mod:`josanalysis.methods.eventstudy` imports on its first
#: event study (half a second): the budget, the region and the first school report of every
#: region fit one.
_WARM_BASE_MODULES = ("numpy", "pandas", "scipy", "IPython", "ipykernel.ipkernel",
                      "ipykernel.kernelapp", "ipykernel.zmqshell", "ipykernel.debugger",
                      "pyfixest.did.estimation")

_ZYGOTE_CODE = r"""
import importlib, json, os, signal, socket, struct, sys, threading, time, traceback
sock_path, parent, mods = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for m in mods:
    try:
        importlib.import_module(m)
    except BaseException:
        pass
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path + ".tmp")
srv.listen(64)
srv.settimeout(1.0)
os.rename(sock_path + ".tmp", sock_path)  # ready
while True:
    if os.getppid() != parent:
        sys.exit(0)
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        continue
    conn.settimeout(30)
    try:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        size = struct.unpack("!I", data[:4])[0]
        data = data[4:]
        while len(data) < size:
            data += conn.recv(size - len(data))
        req = json.loads(data)
    except Exception:
        conn.close()
        continue
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            srv.close()
            conn.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            client = int(req["client_pid"])
            def _watch():
                while True:
                    time.sleep(1.0)
                    try:
                        os.kill(client, 0)
                    except ProcessLookupError:
                        os._exit(1)
            threading.Thread(target=_watch, daemon=True).start()
            if "numpy.random" in sys.modules:  # fresh entropy, as a newly started kernel has
                sys.modules["numpy.random"].seed()
            try:
                import importlib.util
                launcher = importlib.util.find_spec("ipykernel_launcher").origin
            except Exception:
                launcher = "ipykernel_launcher"
            sys.argv = [launcher, *req["argv"]]
            from ipykernel.kernelapp import IPKernelApp
            # traits whose defaults were read from the environment when the template
            # imported ipykernel: give them the kernel's own environment
            IPKernelApp.launch_instance(
                argv=req["argv"], parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode())
    finally:
        conn.close()
"""

_FORKED_KERNEL_CODE = r"""
import json, os, signal, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
body = json.dumps({"argv": sys.argv[2:], "cwd": os.getcwd(), "env": dict(os.environ),
                   "client_pid": os.getpid()}).encode()
socket.send_fds(s, [struct.pack("!I", len(body)) + body], [0, 1, 2])
reply = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
pid = json.loads(reply)["pid"]
def relay(signum, frame):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
            signal.SIGUSR2):
    signal.signal(sig, relay)
def alive(p):
    try:
        os.kill(p, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie that nobody reaps (e.g. reparented in a container) counts as dead
        with open(f"/proc/{p}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
parent = os.getppid()
while alive(pid):
    if os.getppid() != parent:  # the worker that started us died: take the kernel along
        relay(signal.SIGKILL, None)
        break
    time.sleep(0.05)
"""

_ZYGOTES: dict[str, tuple[Any, str, Any]] = {}


def warm_imports(notebooks: Iterable[str | Path]) -> list[str]:
    """Modules a warm template imports: the kernel's own plus the notebooks' top-level imports.

    Examples
    --------
    >>> "numpy" in warm_imports([])
    True
    """
    mods = list(_WARM_BASE_MODULES)
    for path in notebooks:
        try:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    mods += [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods.append(node.module)
                    mods += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    # matplotlib_inline must be imported by the kernel itself (it hooks into the live shell)
    return [m for m in dict.fromkeys(mods) if not m.startswith("matplotlib_inline")]


_ZYGOTE_LOCK = threading.Lock()


def _zygote_socket(imports: list[str], code_key: str, cwd: str) -> str:
    """The socket of this process's warm template (imports and library code), started once: the
    worker threads of a local cluster share it."""
    with _ZYGOTE_LOCK:
        return _start_zygote(imports, code_key, cwd)


def _start_zygote(imports: list[str], code_key: str, cwd: str) -> str:
    """Start the warm template unless it runs (once per process and library code)."""
    key = hashlib.sha256(json.dumps([imports, code_key, sys.executable, cwd]).encode()).hexdigest()
    got = _ZYGOTES.get(key)
    if got is not None and got[0].poll() is None:
        return got[1]
    for old_key, (proc, _, tmpdir) in list(_ZYGOTES.items()):  # stale library code: replace
        proc.terminate()
        shutil.rmtree(tmpdir, ignore_errors=True)
        del _ZYGOTES[old_key]
    tmpdir = tempfile.mkdtemp(prefix="jos-warm-")
    sock = os.path.join(tmpdir, "template.sock")
    env = dict(os.environ)
    # as in a kernel: ipykernel sets the inline backend before any user import of matplotlib
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy (imported with ipykernel.debugger) warns about frozen modules on import, which
    # matters only to someone setting breakpoints; a batch run's log stays free of it
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    proc = subprocess.Popen(
        [sys.executable, "-c", _ZYGOTE_CODE, sock, str(os.getpid()), json.dumps(imports)],
        env=env, cwd=cwd, stdin=subprocess.DEVNULL,  # imports run where kernels start
    )
    atexit.register(shutil.rmtree, tmpdir, True)
    atexit.register(proc.terminate)
    deadline = time.monotonic() + START_TIMEOUT * 2
    while not os.path.exists(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("Kernel didn't respond: the warm kernel template did not start")
        time.sleep(0.05)
    _ZYGOTES[key] = (proc, sock, tmpdir)
    return sock


def forked_kernel_specs(kernel_name: str, imports: list[str], code_key: str, cwd: str):
    """A kernel spec manager whose ``kernel_name`` kernel is forked from the worker's warm template."""
    from jupyter_client.kernelspec import KernelSpecManager

    sock = _zygote_socket(imports, code_key, cwd)
    specs = Path(os.path.dirname(sock)) / "kernels"
    if not (specs / kernel_name / "kernel.json").is_file():
        real = KernelSpecManager().get_kernel_spec(kernel_name)
        (specs / kernel_name).mkdir(parents=True, exist_ok=True)
        tmp = specs / kernel_name / "kernel.json.tmp"
        tmp.write_text(json.dumps({
            "argv": [sys.executable, "-c", _FORKED_KERNEL_CODE, sock, "-f", "{connection_file}"],
            "display_name": real.display_name, "language": real.language,
            "interrupt_mode": "signal", "env": real.env or {}, "metadata": {},
        }), encoding="utf-8")
        os.replace(tmp, specs / kernel_name / "kernel.json")
    return KernelSpecManager(kernel_dirs=[str(specs)], ensure_native_kernel=False)
