"""Per-process caches of results computed over all tasks (dashboard figures, search matches).

Why a result may be reused: it depends only on the task rows (and on the local day, which
is part of the caller's key), and every change of a task row moves the *data version*,
(max(Task.id), max(Task.updated_at)), read with two index-only lookups (the primary key
and ix_task_updated_at, well under a millisecond at 100,000 tasks):
- a new task (publish, the next occurrence of a recurring task, the synthetic generator)
  is a new, higher id; tasks are never deleted;
- a changed task gets a new `updated_at`: `tasks._bump_version` stamps it on update,
  confirm, return and approved extension, and `Task.updated_at` has an ORM `onupdate`, so
  any other ORM change of a task row stamps it too.
One hole is left, and a time limit closes it: `updated_at` is the clock when the UPDATE
runs, not when it commits, so a transaction that commits after a later-stamped one (or a
machine whose clock lags another's, or a row edited by hand in SQL) may not move the
version. Entries therefore also expire after CACHE_TTL_S seconds, which bounds how stale
a figure can ever be.

Each web worker holds its own caches (bounded LRU, thread-safe), so each process computes
a result once per data version; nothing is shared between processes or machines.
"""
import threading
import time
import weakref
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from tracker.models import Task

CACHE_TTL_S = 30.0
CACHE_SIZE = 256


def data_version(session: Session) -> tuple:
    """(max task id, max task updated_at): changes whenever a task is added or changed.

    Read once per transaction of `session`: a page that consults several caches (counts,
    search matches, figures) pays one lookup. Any write through the session in between
    (a flush, an UPDATE/INSERT/DELETE statement) forgets it, so a page rendered after a
    change in the same transaction reads the version again."""
    txn = session.get_transaction()
    memo = session.info.get(_MEMO)
    if memo is not None and txn is not None and memo[0] is txn:
        return memo[1]
    max_id = select(func.max(Task.id)).scalar_subquery()
    max_updated = select(func.max(Task.updated_at)).scalar_subquery()
    version = tuple(session.execute(select(max_id, max_updated)).one())
    txn = session.get_transaction()  # the read above began one if none was open
    if txn is not None:
        session.info[_MEMO] = (txn, version)
    return version


_MEMO = "tracker.data_version"


@event.listens_for(OrmSession, "after_flush")
def _forget_after_flush(session, _flush_context):
    session.info.pop(_MEMO, None)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_after_write(state):
    if not state.is_select:
        state.session.info.pop(_MEMO, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_after_transaction(session, _transaction):
    session.info.pop(_MEMO, None)


class ResultCache:
    """A bounded, thread-safe LRU of computed results with a time limit per entry.

    Values are shared between readers and must not be mutated by them."""

    def __init__(self, maxsize: int = CACHE_SIZE, ttl: float = CACHE_TTL_S, clock=time.monotonic):
        self.maxsize, self.ttl, self.clock = maxsize, ttl, clock
        self._entries: OrderedDict = OrderedDict()
        self._pending: dict = {}  # key -> Event set when the thread computing it is done
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key, compute, wait_s: float = 30.0):
        """The cached value of `key`, or `compute()` stored under it.

        Single flight: while one thread computes a key, other threads asking for the same
        key wait for its result instead of running the same scan beside it (after each
        data change, every request of a busy page would otherwise recompute at once)."""
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and self.clock() - entry[0] < self.ttl:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry[1]
                pending = self._pending.get(key)
                if pending is None:
                    done = self._pending[key] = threading.Event()
                    self.misses += 1
                    break
            if not pending.wait(wait_s):  # the other thread is stuck: do not wait forever
                return compute()
            # the other thread finished (or failed): look again
        started = self.clock()
        try:
            value = compute()
        except BaseException:
            with self._lock:
                del self._pending[key]
            done.set()
            raise
        with self._lock:
            self._entries[key] = (started, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
            del self._pending[key]
        done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_BY_ENGINE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def cache_for(session: Session, name: str = "default", maxsize: int = CACHE_SIZE) -> ResultCache:
    """The cache `name` of the database `session` is bound to, in this process (one set per
    engine, so two apps or two test databases in one process never share entries)."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)  # a Connection -> its Engine
    with _BY_ENGINE_LOCK:
        caches = _BY_ENGINE.setdefault(engine, {})
        cache = caches.get(name)
        if cache is None:
            cache = caches[name] = ResultCache(maxsize=maxsize)
        return cache


def statement_key(stmt, session: Session) -> tuple:
    """A hashable key for a SELECT: its SQL text for this dialect and its bound values."""
    compiled = stmt.compile(dialect=session.get_bind().dialect)
    params = tuple(sorted((k, repr(v)) for k, v in compiled.params.items()))
    return compiled.string, params
