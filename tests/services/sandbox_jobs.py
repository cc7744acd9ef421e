"""Top-level jobs for the sandbox tests (the child process imports them by name)."""
import time

from tracker.services import ServiceError


def add(a, b, *, c=0):
    return a + b + c


def refuse():
    raise ServiceError("Không được", code="nope", status=422)


def spin():
    while True:
        pass


def sleep_forever():
    time.sleep(3600)


def hog():
    blocks = []
    while True:
        blocks.append(bytearray(64 * 2**20))


def die():
    import os
    os._exit(3)


def unpicklable_result():
    return lambda: None
