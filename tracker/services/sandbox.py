"""Run one untrusted-input job (PDF/DOCX text extraction) in a child process with hard limits.

Why a child process: a hostile file can make a parser loop for minutes or allocate gigabytes,
and gunicorn's timeout does not kill a thread of a threaded worker. The child gets RLIMIT_CPU
and RLIMIT_AS set on itself before it runs the job, and the parent kills it at `wall_seconds`.
The child is started with the "forkserver" context (fresh, small interpreter; "spawn" where
forkserver is not available) so it never inherits the web worker's threads, locks or
database connections.

API (copied verbatim by other modules; keep it stable):
    run_limited(func, *args, limits=DEFAULT_LIMITS, **kwargs) -> func's result
    raises SandboxError(reason in "timeout" | "memory" | "crash"), or the child's own
    exception re-raised in the parent when it can be pickled.
"""
import multiprocessing
import pickle
from typing import NamedTuple


class Limits(NamedTuple):
    cpu_seconds: int = 20
    memory_bytes: int = 768 * 2**20
    wall_seconds: float = 40.0


DEFAULT_LIMITS = Limits()

MESSAGES = {
    "timeout": "Tệp xử lý quá lâu nên đã bị dừng. Hãy kiểm tra lại tệp, hoặc dán nội dung văn bản vào ô nhập.",
    "memory": "Tệp cần quá nhiều bộ nhớ để đọc nên đã bị dừng. Hãy kiểm tra lại tệp, hoặc dán nội dung văn bản.",
    "crash": "Trình đọc tệp gặp lỗi và đã dừng. Hãy kiểm tra lại tệp, hoặc dán nội dung văn bản vào ô nhập.",
}


class SandboxError(Exception):
    """The job was stopped (timeout, memory) or died (crash); str(e) is a Vietnamese message."""

    def __init__(self, reason: str, message: str | None = None):
        self.reason = reason
        super().__init__(message or MESSAGES.get(reason, MESSAGES["crash"]))

    def __reduce__(self):
        return (SandboxError, (self.reason, str(self)))


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _set_limits(limits: Limits) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: only the wall-clock kill applies
        return
    cpu = max(1, int(limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (int(limits.memory_bytes), int(limits.memory_bytes)))


def _child(conn, func, args, kwargs, limits: Limits) -> None:
    """Child body: set limits, run, send ("ok", result) / ("error", exc) / ("memory", None)."""
    try:
        _set_limits(limits)
        result = func(*args, **kwargs)
        message = ("ok", result)
    except MemoryError:
        message = ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        message = ("error", exc)
    try:
        payload = pickle.dumps(message)
    except Exception:  # noqa: BLE001 - unpicklable result or exception
        if message[0] == "ok":
            payload = pickle.dumps(("crash", "kết quả không chuyển được"))
        else:
            payload = pickle.dumps(("crash", f"{type(message[1]).__name__}: {message[1]}"))
    try:
        conn.send_bytes(payload)
    except MemoryError:
        conn.send_bytes(pickle.dumps(("memory", None)))
    finally:
        conn.close()


def run_limited(func, *args, limits: Limits = DEFAULT_LIMITS, **kwargs):
    """Run `func(*args, **kwargs)` in a fresh child process under `limits` and return its result.

    `func` must be an importable top-level function and its arguments and result picklable.
    """
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, func, args, kwargs, limits), daemon=True)
    process.start()
    sender.close()
    payload = None
    try:
        if receiver.poll(limits.wall_seconds):
            try:
                payload = receiver.recv_bytes()
            except (EOFError, OSError):
                payload = None  # the child died before answering
        else:
            process.kill()
            process.join(5)
            raise SandboxError("timeout")
    finally:
        receiver.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
    if payload is None:
        code = process.exitcode
        # SIGXCPU (CPU limit) counts as a timeout; SIGKILL/SIGSEGV/abort from an allocation as memory/crash.
        if code is not None and code < 0 and -code in (24, 9):  # SIGXCPU, SIGKILL
            raise SandboxError("timeout")
        raise SandboxError("crash")
    try:
        status, value = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an exception type that does not unpickle
        raise SandboxError("crash") from None
    if status == "ok":
        return value
    if status == "memory":
        raise SandboxError("memory")
    if status == "error":
        raise value
    raise SandboxError("crash")

