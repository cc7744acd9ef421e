"""Hang guards for tests: a generous wall-clock limit that only catches hangs.

No test asserts how fast something runs (a busy 2-core CI machine makes such bounds
flaky; speed targets live in bench/). Work is bounded by counting it; this guard is the
backstop that turns a hang (a pathological input taking minutes) into a failure instead
of a stuck suite. Its default is well above ten times the benchmark figure.
"""
import contextlib
import signal
import threading

HANG_SECONDS = 180


class Hang(AssertionError):
    pass


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_SECONDS, what: str = "the call"):
    """Fail with `Hang` if the block runs longer than `seconds` (main thread, POSIX only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(_signum, _frame):
        raise Hang(f"{what} ran longer than {seconds} s: a hang, not a slow machine")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
