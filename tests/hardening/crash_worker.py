"""Child processes for the crash-safety tests (killed with SIGKILL by the test).

    python tests/hardening/crash_worker.py publish DATABASE_URL DIRECTIVE_ID USER_ID
        publishes the draft through tracker.services.directives.publish, sleeping after
        each task's history row is written, and prints "task N" as it goes: the parent
        kills it in the middle of the transaction.
    python tests/hardening/crash_worker.py write DATABASE_URL DIRECTIVE_ID UNIT_ID
        inserts a task and its "created" history row per transaction, forever, and prints
        "committed <task id>" after each commit returns.

Lines are flushed at once so the parent knows exactly what had been committed.
"""
import sys
import time


def _engine(url):
    from tracker.db import make_engine

    return make_engine(url)


def publish(url: str, directive_id: int, user_id: int) -> None:
    from sqlmodel import Session

    from tracker.models import Directive
    from tracker.models import User
    from tracker.services import directives

    original_record = directives.record
    count = {"n": 0}

    def slow_record(*args, **kwargs):
        event = original_record(*args, **kwargs)
        count["n"] += 1
        args[0].flush()  # the task and its history row are really sent to the database
        print(f"task {count['n']}", flush=True)
        time.sleep(0.5)
        return event

    directives.record = slow_record
    with Session(_engine(url), expire_on_commit=False) as session:
        directive = session.get(Directive, directive_id)
        user = session.get(User, user_id)
        directives.publish(session, user, directive, channel="system")
        session.commit()
    print("committed", flush=True)


def write(url: str, directive_id: int, unit_id: int) -> None:
    from sqlmodel import Session

    from tracker.models import Task
    from tracker.services.tasks import record

    with Session(_engine(url), expire_on_commit=False) as session:
        n = 0
        while True:
            n += 1
            task = Task(directive_id=directive_id, lead_unit_id=unit_id,
                        action=f"Nhiệm vụ ghi liên tục số {n} " + "x" * 200)
            session.add(task)
            session.flush()
            record(session, task, None, "system", "created", None, task.action[:200])
            session.commit()
            print(f"committed {task.id}", flush=True)


if __name__ == "__main__":
    command, url, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"publish": publish, "write": write}[command](url, a, b)
