"""Issue #18's page table on a database already filled by `demo generate`: p50/p95 at 1 and 4 clients.

    flask --app app demo generate --tasks 100000 --units 300 --directives 5000   # once
    .venv/bin/python -m bench.hot_pages --database-url postgresql+psycopg://postgres@127.0.0.1:5432/x
    .venv/bin/python -m bench.hot_pages --database-url sqlite:////tmp/x/bench.db --pages dashboard,unit_list

The server is gunicorn from deploy/gunicorn.conf.py (2 gthread workers), as in bench/pages.py,
but the database is reused between runs (no 60 s of generation per try), so a change can be
measured before and after on the same data within minutes. Clients are closed-loop keep-alive
connections (bench.server.run_load). Pages, as the issue lists them:

- dashboard          GET /dashboard as the leader
- unit_list          GET /tasks/mine as a staff member of the unit leading the most tasks
- task_detail        GET /tasks/<id> as the leader, 50 tasks drawn once
- api_list           GET /api/v1/tasks?page=1..5 with the leader's token
- search_warm        GET /api/v1/tasks?q=<one of bench.pages.SEARCH_TERMS> (cached after the first)
- search_cold        GET /api/v1/tasks?q=<a two-word phrase of the data not searched before>

The load average (1 minute) is printed beside every figure: the machine is shared.
Nothing is written to the database except the leader's API token (one row per run).
"""
import argparse
import json
import os
import random
import sys
import tempfile

import sqlalchemy as sa

from bench.pages import LEADER
from bench.pages import PASSWORD
from bench.pages import SEARCH_TERMS
from bench.server import Database
from bench.server import login_cookie
from bench.server import run_load
from bench.server import start_gunicorn

PAGES = ("dashboard", "unit_list", "task_detail", "api_list", "search_warm", "search_cold")


def _loadavg() -> float:
    return os.getloadavg()[0]


def _fold(text: str) -> str:
    from tracker.services.search import normalize

    return normalize(text)


def prepare(url: str, cold_terms: int, seed: int = 7) -> dict:
    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.models import Task
    from tracker.models import User
    from tracker.services.accounts import issue_api_token

    engine = make_engine(url)
    rng = random.Random(seed)
    with Session(engine) as session:
        leader = session.exec(sa.select(User).where(User.login == LEADER)).scalar_one()
        token = issue_api_token(session, leader, "bench-hot-pages")
        session.commit()
        busiest = session.execute(sa.select(Task.lead_unit_id, sa.func.count()).group_by(Task.lead_unit_id)
                                  .order_by(sa.func.count().desc()).limit(1)).first()
        staff = session.execute(sa.select(User.login).where(User.unit_id == busiest[0], User.role == "staff",
                                                            User.active == True)  # noqa: E712
                                .order_by(User.id).limit(1)).scalar_one()
        ids = session.execute(sa.select(Task.id).order_by(Task.id)).scalars().all()
        sample = rng.sample(ids, max(400, 3 * cold_terms))
        texts = session.execute(sa.select(Task.action).where(Task.id.in_(sample))).scalars().all()
    engine.dispose()
    seen = {_fold(t) for t in SEARCH_TERMS}
    terms = []
    salt = rng.randrange(10**6)
    for text in texts:  # two words of one real task text: it matches at least that task, breadth varies
        words = [w for w in _fold(text).split() if len(w) > 1]
        if len(words) < 2:
            continue
        for _ in range(4):
            i, j = sorted(rng.sample(range(len(words)), 2))
            term = f"{words[i]} {words[j]}"
            if term not in seen:
                seen.add(term)
                terms.append(term)
    rng2 = random.Random(salt)
    rng2.shuffle(terms)
    return {"token": token, "unit_id": busiest[0], "unit_tasks": busiest[1], "staff": staff,
            "task_ids": rng.sample(ids, 50), "cold_terms": terms[:cold_terms]}


def run(url: str, pages, requests: int, concurrencies, say=print) -> list[dict]:
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    workdir = tempfile.mkdtemp(prefix="dt-hot-pages-")
    db = Database(backend, url, workdir)  # no _pg_name: the database is kept
    n_cold = requests * (1 + len(concurrencies)) + 20
    prep = prepare(url, n_cold)
    server = start_gunicorn(db, workers=2)
    results = []
    try:
        leader = {"Cookie": login_cookie(server.base, LEADER, PASSWORD)}
        staff = {"Cookie": login_cookie(server.base, prep["staff"], PASSWORD)}
        bearer = {"Authorization": f"Bearer {prep['token']}"}
        cold = iter(prep["cold_terms"])

        def q(term):
            return f"/api/v1/tasks?q={term.replace(' ', '+')}"

        def paths_for(name, count):
            if name == "dashboard":
                return ["/dashboard"], leader
            if name == "unit_list":
                return ["/tasks/mine"], staff
            if name == "task_detail":
                return [f"/tasks/{i}" for i in prep["task_ids"]], leader
            if name == "api_list":
                return [f"/api/v1/tasks?page={p}" for p in range(1, 6)], bearer
            if name == "search_warm":
                return [q(t) for t in SEARCH_TERMS], bearer
            if name == "search_cold":
                return [q(next(cold)) for _ in range(count)], bearer
            raise ValueError(name)

        for name in pages:
            paths, headers = paths_for(name, 10)
            run_load(server.base, paths, total=10, concurrency=2, headers=headers)  # warm both workers
            for c in concurrencies:
                paths, headers = paths_for(name, requests)
                load = _loadavg()
                res = run_load(server.base, paths, total=requests, concurrency=c, headers=headers)
                row = {"page": name, "backend": backend, "clients": c, "requests": requests,
                       "p50_ms": round(res.p50, 1), "p95_ms": round(res.p95, 1),
                       "loadavg_1m": round((load + _loadavg()) / 2, 2), "statuses": res.statuses}
                results.append(row)
                say(f"{backend:10} {name:12} {c} client{'s' if c > 1 else ' '}  p50 {res.p50:7.1f}  "
                    f"p95 {res.p95:7.1f} ms  load {row['loadavg_1m']:.2f}"
                    + ("" if set(res.statuses) == {200} else f"  statuses {res.statuses}"))
    finally:
        server.stop()
    say(f"(unit_list: {prep['staff']}, unit {prep['unit_id']} with {prep['unit_tasks']:,} tasks)")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hot_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database filled by `demo generate`")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--requests", type=int, default=200, help="per page and client count")
    parser.add_argument("--clients", default="1,4", help="client counts, comma-separated")
    parser.add_argument("--json", default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    from tracker.config import normalize_database_url

    rows = run(normalize_database_url(args.database_url), pages, args.requests,
               [int(c) for c in args.clients.split(",")])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
