"""Cold and warm cost of the cached results (search, dashboard figures), one process, no HTTP.

The page benchmark reads a fixed data set, so after the first request of a page in each
worker it measures the cache; this shows what a miss costs (the first search of a term, the
first dashboard after a task changed). Run against a database filled by `demo generate`:

    .venv/bin/python -m bench.cache_cold sqlite:////tmp/x/bench.db
"""
import statistics
import sys
import time

from sqlmodel import Session
from sqlmodel import select

from bench.pages import LEADER
from bench.pages import SEARCH_TERMS
from tracker.db import make_engine
from tracker.models import User
from tracker.services import stats
from tracker.services import tasks as task_service
from tracker.services.cache import ResultCache
from tracker.services.cache import cache_for
from tracker.services.clock import local_today
from tracker.services.search import SEARCH_CACHE_SIZE


def _median_ms(fn, n=5, before=None) -> float:
    out = []
    for _ in range(n):
        if before:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def main(url: str) -> None:
    engine = make_engine(url)
    today = local_today()
    with Session(engine) as s:
        leader = s.exec(select(User).where(User.login == LEADER)).one()
        search_cache = cache_for(s, "search", SEARCH_CACHE_SIZE)
        for q in SEARCH_TERMS:
            def run(q=q):
                return task_service.list_tasks(s, leader, q=q, today=today)
            cold = _median_ms(run, before=search_cache.clear)
            warm = _median_ms(run)
            print(f"search {q!r:32} cold {cold:6.1f} ms  warm {warm:5.1f} ms")
        cache = ResultCache()
        def board():
            return stats.dashboard(s, stats.Filters(), today=today, cache=cache)
        print(f"dashboard figures               cold {_median_ms(board, before=cache.clear):6.1f} ms  "
              f"warm {_median_ms(board):5.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
