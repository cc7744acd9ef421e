"""Synthetic data at scale for benchmarks and demos: `flask --app app demo generate`.

Fills a database with a province that has been using the tracker for a year and a half:
departments and communes (two-level local government), a head and staff per unit, clerks
and leaders, published directives with Vietnamese-looking codes, titles and text, and
their tasks in every workflow status and deadline state, with coordinating units, a
history (TaskEvent) per change, extension requests and a few recurring series.

Why not the services: `tasks.update_task` and friends do one guarded UPDATE and a
flush per change, which is right for people and far too slow for 100,000 tasks. Here
every row is computed in Python with its primary key assigned up front (so children can
point at parents without a round trip) and written with Core `insert()` executemany in
batches. Everything derives from `random.Random(seed)` and the `today` anchor, so a seed
gives the same rows on SQLite and PostgreSQL (only the password hash is salted afresh).

All synthetic users share one password (`DEMO_PASSWORD`, hashed once).
"""
import random
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time as dtime
from datetime import timedelta
from types import SimpleNamespace

import click
from flask.cli import with_appcontext
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import Engine
from werkzeug.security import generate_password_hash

from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError
from tracker.services.clock import VN_TZ
from tracker.services.clock import format_date
from tracker.services.clock import local_today

try:  # the search normaliser; plain folding is a usable stand-in when it is absent
    from tracker.services.search import search_text_for_directive
    from tracker.services.search import search_text_for_task
except ImportError:  # pragma: no cover - only before tracker.services.search existed
    from tracker.services.text import fold

    def search_text_for_directive(d):
        return f" {fold(' '.join(filter(None, (d.number, d.code, d.title))))} "

    def search_text_for_task(action, d, owner=None):
        return f" {fold(' '.join(filter(None, (action, owner, d.number, d.code, d.title))))} "

DEMO_PASSWORD = "demo12345"
BATCH = 5000
LOGIN_PREFIX = "syn."

# --- Vocabulary --------------------------------------------------------------------------

DEPARTMENTS = (
    ("Văn phòng UBND tỉnh", "VP UBND tỉnh"), ("Sở Tài chính", "STC"), ("Sở Nội vụ", "SNV"),
    ("Sở Tư pháp", "STP"), ("Sở Xây dựng", "SXD"), ("Sở Công Thương", "SCT"), ("Sở Y tế", "SYT"),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT"), ("Sở Nông nghiệp và Môi trường", "Sở NN&MT"),
    ("Sở Khoa học và Công nghệ", "Sở KH&CN"), ("Sở Văn hóa, Thể thao và Du lịch", "Sở VHTT&DL"),
    ("Sở Dân tộc và Tôn giáo", "Sở DT&TG"), ("Sở Ngoại vụ", "SNgV"), ("Thanh tra tỉnh", "TTT"),
    ("Công an tỉnh", "CAT"), ("Bộ Chỉ huy Quân sự tỉnh", "BCH Quân sự tỉnh"),
    ("Ban Quản lý Khu kinh tế", "BQL KKT"), ("Đài Phát thanh và Truyền hình tỉnh", "Đài PT-TH"),
    ("Bảo hiểm xã hội tỉnh", "BHXH tỉnh"), ("Cục Thuế tỉnh", "Cục Thuế"),
    ("Kho bạc Nhà nước khu vực", "KBNN"), ("Ngân hàng Nhà nước chi nhánh tỉnh", "NHNN"),
    ("Ban Dân tộc tỉnh", "BDT"), ("Trung tâm Phục vụ hành chính công", "TT PVHCC"),
    ("Ban Quản lý dự án đầu tư xây dựng tỉnh", "BQLDA"),
)
PLACE_A = ("Tân", "An", "Phú", "Long", "Bình", "Hòa", "Thạnh", "Vĩnh", "Mỹ", "Phước", "Hưng", "Đông",
           "Tây", "Thới", "Khánh", "Lợi", "Trung", "Nhơn", "Hiệp", "Quới", "Định", "Hải", "Lương", "Tam")
PLACE_B = ("Thành", "Lộc", "Phú", "Hưng", "Điền", "Bình", "Thuận", "Hòa", "Lợi", "Thạnh", "Xuyên",
           "Mỹ", "Khánh", "Tiến", "Hiệp", "Đông", "Tây", "Nam", "Bắc", "An", "Quang", "Sơn", "Châu", "Kim")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Quốc", "Hữu", "Đức", "Thu", "Hoàng", "Anh")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khoa", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn",
         "Vân", "Việt", "Yến")

VERBS = ("Rà soát", "Tổng hợp", "Xây dựng kế hoạch", "Kiểm tra", "Tham mưu UBND tỉnh", "Triển khai",
         "Đôn đốc", "Hoàn thiện hồ sơ", "Đẩy nhanh tiến độ", "Chủ động phối hợp giải quyết", "Báo cáo kết quả",
         "Tăng cường", "Tổ chức thực hiện", "Xây dựng phương án", "Theo dõi, hướng dẫn", "Đánh giá")
OBJECTS = ("giải ngân vốn đầu tư công", "cải cách hành chính", "chuyển đổi số", "thủ tục hành chính",
           "phòng, chống dịch bệnh", "giải phóng mặt bằng dự án", "xây dựng nông thôn mới",
           "quản lý đất đai", "an toàn giao thông", "phòng, chống thiên tai", "bảo vệ môi trường",
           "thu ngân sách nhà nước", "an sinh xã hội", "chương trình mục tiêu quốc gia",
           "sắp xếp đơn vị hành chính", "quy hoạch tỉnh", "thu hút đầu tư", "phát triển du lịch",
           "giáo dục nghề nghiệp", "bảo hiểm y tế toàn dân", "nhà ở xã hội", "khai thác khoáng sản",
           "xử lý nợ đọng xây dựng cơ bản", "tiếp công dân, giải quyết khiếu nại", "phòng cháy, chữa cháy")
QUALIFIERS = ("trên địa bàn tỉnh", "năm {year}", "6 tháng đầu năm {year}", "quý {quarter} năm {year}",
              "theo chỉ đạo của Thủ tướng Chính phủ", "theo Kế hoạch số {n}/KH-UBND", "tại các xã, phường",
              "giai đoạn 2026-2030", "đảm bảo chất lượng, hiệu quả", "")
ROMAN = ("I", "II", "III", "IV")
# (kind, code suffix, title template, weight)
DIRECTIVE_KINDS = (
    ("thong_bao_ket_luan", "TB-UBND", "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp {topic}", 40),
    ("chi_thi", "CT-UBND", "Về tăng cường công tác {topic}", 10),
    ("cong_van", "UBND-{dept}", "Về việc triển khai {topic}", 30),
    ("ke_hoach", "KH-UBND", "Kế hoạch thực hiện {topic} năm {year}", 15),
    ("quyet_dinh", "QĐ-UBND", "Giao nhiệm vụ {topic}", 5),
)
CV_DEPTS = ("KT", "TH", "VX", "NC", "XD", "NN")
NOTES = ("Đã triển khai đến các phòng chuyên môn", "Đang tổng hợp số liệu từ các xã",
         "Đã có văn bản đôn đốc", "Chờ ý kiến của các sở, ngành", "Đã hoàn thành 3/5 nội dung",
         "Đã báo cáo UBND tỉnh", "Vướng mắc về kinh phí, đề nghị hỗ trợ")
REASONS = ("Chờ ý kiến thẩm định của Bộ", "Khối lượng công việc lớn, cần thêm thời gian",
           "Ảnh hưởng của mưa lũ", "Chờ bố trí kinh phí", "Cần lấy ý kiến các xã, phường")
OPEN_STATUSES = ("chua_thuc_hien", "dang_thuc_hien", "tra_lai", "tam_dung")


@dataclass
class Report:
    units: int = 0
    users: int = 0
    directives: int = 0
    tasks: int = 0
    co_units: int = 0
    events: int = 0
    extensions: int = 0
    series: int = 0
    seconds: float = 0.0
    by_status: dict = field(default_factory=dict)


class _Writer:
    """Buffers rows per table and writes them with executemany, parents before children."""

    ORDER = ("unit", "user_account", "directive", "task", "task_co_unit", "task_event", "extension_request")

    def __init__(self, conn, batch: int = BATCH):
        self.conn = conn
        self.batch = batch
        self.tables = {t.__tablename__: t.__table__ for t in (Unit, User, Directive, Task, TaskCoUnit, TaskEvent,
                                                               ExtensionRequest)}
        self.rows = {name: [] for name in self.ORDER}
        self.counts = {name: 0 for name in self.ORDER}

    def add(self, table: str, row: dict) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= self.batch:
            self.flush()

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.rows[name]
            if rows:
                self.conn.execute(insert(self.tables[name]), rows)
                self.counts[name] += len(rows)
                self.rows[name] = []


def _next_ids(conn) -> dict:
    out = {}
    for model in (Unit, User, Directive, Task, TaskEvent, ExtensionRequest):
        out[model.__tablename__] = (conn.execute(select(func.max(model.__table__.c.id))).scalar() or 0) + 1
    return out


def _reset_sequences(conn) -> None:
    """PostgreSQL: move each serial sequence past the ids written explicitly here."""
    if conn.dialect.name != "postgresql":
        return
    for model in (Unit, User, Directive, Task, TaskEvent, ExtensionRequest):
        name = model.__tablename__
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM \"{name}\"), 1))"))


def _at(day: date, rng: random.Random, hour_from: int = 7, hour_to: int = 17) -> datetime:
    """An office-hours instant on a local day, as UTC."""
    local = datetime.combine(day, dtime(rng.randint(hour_from, hour_to), rng.randrange(60)), VN_TZ)
    return local.astimezone(UTC)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _unit_rows(count: int, rng: random.Random, first_id: int) -> list[dict]:
    """Departments first (the Văn phòng is always unit 0), communes and wards after them."""
    rows, names = [], set()
    n_dept = min(len(DEPARTMENTS), max(1, count // 10 if count > 30 else count))
    for i in range(count):
        uid = first_id + i
        if i < n_dept:
            name, short = DEPARTMENTS[i]
            kind, aliases = "department", [short]
        else:
            while True:
                place = f"{rng.choice(PLACE_A)} {rng.choice(PLACE_B)}"
                prefix = "Phường" if rng.random() < 0.25 else "Xã"
                name = f"UBND {prefix.lower()} {place}"
                if name not in names:
                    break
                place = f"{place} {rng.choice(PLACE_B)}"
                name = f"UBND {prefix.lower()} {place}"
                if name not in names:
                    break
            short, kind, aliases = f"{prefix} {place}", "commune", [f"{prefix} {place}", f"UBND {prefix} {place}"]
        names.add(name)
        rows.append({"id": uid, "code": f"SYN{uid}", "name": name, "short_name": short, "kind": kind,
                     "aliases": aliases, "members_kind": None, "parent_id": None, "active": True})
    return rows


def generate(engine: Engine, *, tasks: int, units: int, directives: int | None = None, seed: int = 1,
             today: date | None = None, batch: int = BATCH, progress=None) -> Report:
    """Write a synthetic province into `engine`'s database; returns what was written.

    `directives` defaults to one per 20 tasks. Refuses to run twice on one database
    (the synthetic logins would collide); use a fresh database.
    """
    if tasks < 0 or units < 1:
        raise ServiceError("Cần --tasks >= 0 và --units >= 1")
    if directives is None:
        directives = max(1, tasks // 20) if tasks else 0
    if tasks and directives < 1:
        raise ServiceError("Cần ít nhất một văn bản khi có nhiệm vụ")
    today = today or local_today()
    rng = random.Random(seed)
    started = time.perf_counter()
    report = Report()
    say = progress or (lambda _msg: None)
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.login == f"{LOGIN_PREFIX}admin")).first() is not None:
            raise ServiceError("Cơ sở dữ liệu này đã có dữ liệu tổng hợp; hãy dùng một cơ sở dữ liệu mới")
        ids = _next_ids(conn)
        w = _Writer(conn, batch)
        password_hash = generate_password_hash(DEMO_PASSWORD)

        # Units
        unit_rows = _unit_rows(units, rng, ids["unit"])
        for row in unit_rows:
            w.add("unit", row)
        unit_ids = [r["id"] for r in unit_rows]
        unit_name = {r["id"]: r["name"] for r in unit_rows}
        unit_kind = {r["id"]: r["kind"] for r in unit_rows}
        office_id = unit_ids[0]

        # Users: a head and one to three staff per unit; clerks at the office; leaders; one admin
        next_user = ids["user_account"]
        staff_of: dict[int, list[int]] = {}
        user_rows = []

        def add_user(login, role, unit_id):
            nonlocal next_user
            user_rows.append({
                "id": next_user, "login": login, "password_hash": password_hash, "display_name": _person(rng),
                "role": role, "unit_id": unit_id, "active": True, "created_at": _at(today - timedelta(days=600), rng),
                "failed_logins": 0, "locked_until": None, "notify_enabled": True, "digest_time": "",
                "lead_days": "3,1,0", "quiet_start": "21:00", "quiet_end": "07:00", "skip_non_working_days": True,
                "calendar_token_hash": None})
            next_user += 1
            return next_user - 1

        add_user(f"{LOGIN_PREFIX}admin", "admin", None)
        clerks = [add_user(f"{LOGIN_PREFIX}vanphong{k}", "clerk", office_id) for k in range(1, 4)]
        leaders = [add_user(f"{LOGIN_PREFIX}lanhdao{k}", "leader", None) for k in range(1, 4)]
        for uid in unit_ids:
            head = add_user(f"{LOGIN_PREFIX}u{uid}.truong", "head", uid)
            n_staff = 3 if unit_kind[uid] == "department" else rng.randint(1, 2)
            staff_of[uid] = [head] + [add_user(f"{LOGIN_PREFIX}u{uid}.cb{k}", "staff", uid)
                                      for k in range(1, n_staff + 1)]
        for row in user_rows:
            w.add("user_account", row)
        report.units, report.users = len(unit_rows), len(user_rows)
        w.flush()
        say(f"{report.units} đơn vị, {report.users} người dùng")

        # Lead-unit popularity: departments get most tasks, communes fewer (Zipf-like)
        weights = [(8.0 if unit_kind[uid] == "department" else 1.0) / (1 + i * 0.01) for i, uid in enumerate(unit_ids)]
        cum, acc = [], 0.0
        for wt in weights:
            acc += wt
            cum.append(acc)
        signers = [_person(rng) for _ in leaders]

        # How many tasks each directive gets (sums to `tasks`)
        base = 1 if tasks >= directives else 0
        sizes = [base] * directives
        for _ in range(tasks - base * directives):
            sizes[rng.randrange(directives)] += 1

        next_directive, next_task = ids["directive"], ids["task"]
        next_event, next_ext = ids["task_event"], ids["extension_request"]
        by_status: dict[str, int] = {}
        numbers: dict[tuple, int] = {}

        def event(task_id, actor, at, kind, old=None, new=None, note=None, channel="web"):
            nonlocal next_event
            w.add("task_event", {"id": next_event, "task_id": task_id, "actor_id": actor, "at": at,
                                 "channel": channel, "kind": kind, "old_value": old, "new_value": new, "note": note})
            next_event += 1

        for d_index in range(directives):
            kind, suffix, title_tpl, _wt = rng.choices(DIRECTIVE_KINDS, weights=[k[3] for k in DIRECTIVE_KINDS])[0]
            issued = today - timedelta(days=rng.randint(0, 540))
            year = issued.year
            numbers[(kind, year)] = numbers.get((kind, year), 0) + rng.randint(1, 3)
            number = str(numbers[(kind, year)])
            code = f"{number}/{suffix.format(dept=rng.choice(CV_DEPTS))}"
            topic = rng.choice(OBJECTS)
            title = title_tpl.format(topic=topic, year=year)
            clerk = rng.choice(clerks)
            published_at = _at(issued + timedelta(days=rng.randint(0, 3)), rng)
            directive_ns = SimpleNamespace(number=number, code=code, title=title)
            did = next_directive
            next_directive += 1
            header = (f"ỦY BAN NHÂN DÂN TỈNH DEMO\nSố: {code}\nDemo, ngày {issued.day:02d} tháng "
                      f"{issued.month:02d} năm {issued.year}\n\n{title.upper()}\n\n")
            parts = [header]
            offset = len(header)
            specs = []
            n_tasks = sizes[d_index]
            # About 2 % of directives open with a monthly report due on the 20th: a series of
            # occurrences, earlier ones done, the latest open (as closing one opens the next).
            months_back = (today.year - issued.year) * 12 + today.month - issued.month
            n_series = min(rng.randint(3, 8), n_tasks, months_back + 1) if rng.random() < 0.02 else 0
            if n_series < 2:
                n_series = 0
            sentence_no = 0
            for t_index in range(n_tasks):
                if 0 < t_index < n_series:
                    prev = specs[-1]
                    specs.append({**prev, "deadline": _monthly_20(prev["deadline"]), "occurrence": t_index})
                    continue
                lead = unit_ids[_pick(cum, rng)]
                co = sorted({unit_ids[_pick(cum, rng)] for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3)))} - {lead})
                q = (issued.month - 1) // 3
                action = " ".join(p for p in (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS).format(
                    year=year, quarter=ROMAN[q], n=rng.randint(10, 300))) if p)
                if t_index == 0 and n_series:
                    action = "Báo cáo tình hình " + rng.choice(OBJECTS)
                    deadline, deadline_text, recurrence = _monthly_20(issued), "trước ngày 20 hằng tháng", "monthly:20"
                    report.series += 1
                else:
                    deadline, deadline_text, recurrence = _deadline(rng, issued)
                sentence_no += 1
                line_owner = f"Giao {unit_name[lead]} chủ trì"
                if co:
                    line_owner += ", phối hợp với " + ", ".join(unit_name[c] for c in co)
                sentence = f"{sentence_no}. {line_owner}: {action}"
                if deadline_text:
                    sentence += f", {deadline_text}"
                sentence += ".\n"
                start, end = offset, offset + len(sentence) - 1
                parts.append(sentence)
                offset += len(sentence)
                specs.append({"lead": lead, "co": co, "action": action, "deadline": deadline,
                              "deadline_text": deadline_text, "recurrence": recurrence, "start": start, "end": end,
                              "occurrence": 0})
            source = "".join(parts) + "\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n"
            w.add("directive", {
                "id": did, "number": number, "code": code, "kind": kind, "title": title, "issuer": "UBND tỉnh Demo",
                "signer": rng.choice(signers), "issued_date": issued, "source_text": source, "state": "published",
                "draft_tasks": [], "created_by_id": clerk, "created_at": published_at - timedelta(hours=2),
                "published_at": published_at, "search_text": search_text_for_directive(directive_ns), "version": 1})

            series_head = None
            for t_index, spec in enumerate(specs):
                lead, co, action = spec["lead"], spec["co"], spec["action"]
                tid = next_task
                next_task += 1
                occ = spec["occurrence"]
                if spec["recurrence"] and occ == 0:
                    series_head = tid
                done_occurrence = bool(spec["recurrence"]) and t_index < n_series - 1
                row = _task_row(rng, tid, did, lead, co, unit_name, action, spec["deadline"],
                                spec["deadline_text"], spec["recurrence"], spec["start"], spec["end"], issued,
                                published_at, today, force_done=done_occurrence)
                row["series_id"] = series_head if occ else None
                row["search_text"] = search_text_for_task(action, directive_ns, unit_name[lead])
                history = row.pop("_history")
                ext = row.pop("_extension")
                w.add("task", row)
                by_status[row["status"]] = by_status.get(row["status"], 0) + 1
                for c in co:
                    w.add("task_co_unit", {"task_id": tid, "unit_id": c})
                    report.co_units += 1
                event(tid, clerk, published_at, "created", None, format_date(spec["deadline"]) or None,
                      f"Giao từ văn bản {code}" if occ == 0 else f"Kỳ tiếp theo của nhiệm vụ #{series_head}")
                for kind_, actor_role, at, old, new, note in history:
                    actor = rng.choice(staff_of[lead]) if actor_role == "unit" else rng.choice(clerks)
                    event(tid, actor, at, kind_, old, new, note,
                          channel=rng.choice(("web", "web", "web", "api", "telegram")))
                if ext is not None:
                    status_, requested_at, old_dl, new_dl, reason, decided_at = ext
                    requester = rng.choice(staff_of[lead])
                    decider = rng.choice(clerks + leaders) if status_ != "pending" else None
                    decision = {"pending": None, "approved": "Đồng ý gia hạn",
                                "rejected": "Không đồng ý, đề nghị khẩn trương hoàn thành"}[status_]
                    w.add("extension_request", {
                        "id": next_ext, "task_id": tid, "requested_by_id": requester, "old_deadline": old_dl,
                        "requested_date": new_dl, "reason": reason, "status": status_, "decided_by_id": decider,
                        "decided_at": decided_at, "decision_note": decision, "created_at": requested_at})
                    next_ext += 1
                    report.extensions += 1
                    event(tid, requester, requested_at, "extension_requested", format_date(old_dl),
                          format_date(new_dl), reason)
                    if status_ == "approved":
                        event(tid, decider, decided_at, "deadline", format_date(old_dl), format_date(new_dl),
                              f"Duyệt gia hạn: {reason}")
                    elif status_ == "rejected":
                        event(tid, decider, decided_at, "extension_rejected", format_date(old_dl),
                              format_date(new_dl), decision)
                report.tasks += 1
            report.directives += 1
            if progress and (d_index + 1) % 1000 == 0:
                say(f"{d_index + 1}/{directives} văn bản, {report.tasks} nhiệm vụ")
        w.flush()
        _reset_sequences(conn)
        # fresh planner statistics, or the first queries after a bulk load plan badly
        conn.execute(text("ANALYZE"))
        report.events = w.counts["task_event"]
        report.by_status = dict(sorted(by_status.items()))
    report.seconds = time.perf_counter() - started
    return report


def _pick(cum: list[float], rng: random.Random) -> int:
    """Index drawn with the cumulative weights `cum` (bisect)."""
    from bisect import bisect_right

    return min(bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


def _monthly_20(after: date) -> date:
    """The first 20th of a month strictly after `after`."""
    y, m = after.year, after.month
    if after.day >= 20:
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return date(y, m, 20)


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def _deadline(rng: random.Random, issued: date):
    """A deadline the way directives phrase it: a date, end of month, a quarter, or none."""
    r = rng.random()
    if r < 0.06:
        return None, rng.choice(("thường xuyên", "khẩn trương thực hiện", None)), None
    if r < 0.70:
        d = issued + timedelta(days=rng.randint(5, 120))
        return d, f"hoàn thành trước ngày {format_date(d)}", None
    if r < 0.88:
        d = issued + timedelta(days=rng.randint(10, 150))
        end = _month_end(d.year, d.month)
        return end, f"trong tháng {d.month}/{d.year}", None
    d = issued + timedelta(days=rng.randint(30, 200))
    q = (d.month - 1) // 3
    end = _month_end(d.year, q * 3 + 3)
    return end, f"trong quý {ROMAN[q]} năm {d.year}", None


def _task_row(rng, tid, did, lead, co, unit_name, action, deadline, deadline_text, recurrence, start, end,
              issued, published_at, today, force_done=False) -> dict:
    """A task's final row plus the history that led there (`_history`) and an optional extension."""
    history = []  # (kind, "unit"|"clerk", at, old, new, note)
    ext = None
    created = published_at
    # Extension request on ~4 % of dated tasks whose deadline has come near
    if deadline is not None and not force_done and rng.random() < 0.04 and deadline - timedelta(days=3) > issued:
        asked = min(deadline - timedelta(days=rng.randint(1, 3)), today)
        if asked > issued:
            new_dl = deadline + timedelta(days=rng.choice((7, 14, 15, 30)))
            requested_at = _at(asked, rng)
            if asked >= today - timedelta(days=2):
                status_, decided_at = "pending", None
            else:
                status_ = "approved" if rng.random() < 0.7 else "rejected"
                decided_at = _at(min(asked + timedelta(days=rng.randint(0, 2)), today), rng)
            ext = (status_, requested_at, deadline, new_dl, rng.choice(REASONS), decided_at)
            if status_ == "approved":
                deadline = new_dl
    # Final status, chosen so that every deadline state occurs
    horizon = deadline or issued + timedelta(days=60)
    past = horizon < today
    r = rng.random()
    if force_done:
        status = "hoan_thanh"
    elif horizon <= issued or (issued >= today - timedelta(days=1)):
        status = "chua_thuc_hien"
    elif past:
        status = ("hoan_thanh" if r < 0.62 else "cho_xac_nhan" if r < 0.68 else
                  rng.choice(OPEN_STATUSES))
    else:
        status = ("hoan_thanh" if r < 0.15 else "cho_xac_nhan" if r < 0.22 else
                  rng.choice(OPEN_STATUSES))
    progress = 0
    completed_on = completed_at = None
    result_note = None
    version = 1
    started = min(issued + timedelta(days=rng.randint(1, 10)), today)
    if status != "chua_thuc_hien":
        history.append(("status", "unit", _at(started, rng), "chua_thuc_hien", "dang_thuc_hien", rng.choice(NOTES)))
        progress = rng.choice((10, 20, 30, 40, 50, 60, 70, 80))
        history.append(("progress", "unit", _at(started, rng, 17, 18), "0", str(progress), None))
    if status in ("hoan_thanh", "cho_xac_nhan", "tra_lai"):
        if deadline is not None:
            # done on time three times out of four
            late = rng.random() < 0.25
            lo, hi = (deadline + timedelta(days=1), deadline + timedelta(days=20)) if late else (started, deadline)
        else:
            lo, hi = started, started + timedelta(days=60)
        hi = min(hi, today)
        lo = min(lo, hi)
        completed_on = lo + timedelta(days=rng.randint(0, (hi - lo).days))
        result_note = rng.choice(NOTES)
        history.append(("status", "unit", _at(completed_on, rng), "dang_thuc_hien", "cho_xac_nhan", result_note))
        progress = 100
        if status == "hoan_thanh":
            confirm_day = min(completed_on + timedelta(days=rng.randint(0, 3)), today)
            history.append(("status", "clerk", _at(confirm_day, rng), "cho_xac_nhan", "hoan_thanh",
                             "Xác nhận hoàn thành"))
        elif status == "tra_lai":
            back = min(completed_on + timedelta(days=rng.randint(0, 3)), today)
            history.append(("status", "clerk", _at(back, rng), "cho_xac_nhan", "tra_lai",
                            "Báo cáo chưa đủ số liệu, đề nghị bổ sung"))
            completed_on, progress = None, rng.choice((60, 80, 90))
        if completed_on is not None:
            completed_at = _at(completed_on, rng)
    elif status == "tam_dung":
        history.append(("status", "unit", _at(min(started + timedelta(days=5), today), rng), "dang_thuc_hien",
                        "tam_dung", "Tạm dừng chờ chủ trương"))
    if status in OPEN_STATUSES and r >= 0.985:  # a few tasks the office cancelled (no extra draw:
        # the rest of the data stays what the same seed always gave)
        cancelled = datetime.combine(min(started + timedelta(days=7), today), dtime(10, 0), VN_TZ)
        history.append(("status", "clerk", cancelled.astimezone(UTC), status, "da_huy",
                        "Hủy: nội dung đã được thay thế bởi văn bản mới"))
        status = "da_huy"
    # every change bumped the version once (an approved extension moved the deadline too)
    version += len(history) + (1 if ext is not None and ext[0] == "approved" else 0)
    history.sort(key=lambda h: h[2])
    updated = max([created] + [h[2] for h in history] + ([ext[5]] if ext and ext[5] else []))
    urgent = deadline_text in ("khẩn trương thực hiện",) or rng.random() < 0.02
    return {
        "id": tid, "directive_id": did, "lead_unit_id": lead, "owner_text": unit_name[lead],
        "co_owner_texts": [unit_name[c] for c in co], "action": action, "source_start": start, "source_end": end,
        "deadline": deadline, "deadline_text": deadline_text, "recurrence": recurrence, "urgent": urgent,
        "status": status, "progress": progress, "result_note": result_note, "completed_at": completed_at,
        "completed_on": completed_on, "created_at": created, "updated_at": updated, "version": version,
        "_history": history, "_extension": ext,
    }


@click.command("generate")
@click.option("--tasks", "n_tasks", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Số nhiệm vụ")
@click.option("--units", "n_units", type=click.IntRange(min=1), default=50, show_default=True, help="Số đơn vị")
@click.option("--directives", "n_directives", type=click.IntRange(min=1), default=None,
              help="Số văn bản (mặc định: số nhiệm vụ / 20)")
@click.option("--seed", type=int, default=1, show_default=True, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ"
                                                                     " liệu)")
@click.option("--today", "today_str", default=None, help="Ngày mốc YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam)")
@with_appcontext
def generate_command(n_tasks, n_units, n_directives, seed, today_str):
    """Fill the database with synthetic units, users, directives and tasks (benchmarks, demos)."""
    import sys

    from flask import current_app

    today = None
    if today_str:
        try:
            today = date.fromisoformat(today_str)
        except ValueError:
            click.echo(f"Lỗi: --today phải có dạng YYYY-MM-DD, nhận được {today_str!r}", err=True)
            sys.exit(2)
    try:
        report = generate(current_app.extensions["engine"], tasks=n_tasks, units=n_units, directives=n_directives,
                          seed=seed, today=today, progress=click.echo)
    except ServiceError as exc:
        click.echo(f"Lỗi: {exc.message}", err=True)
        sys.exit(1)
    click.echo(
        f"Đã tạo {report.units} đơn vị, {report.users} người dùng, {report.directives} văn bản, "
        f"{report.tasks} nhiệm vụ ({report.series} chuỗi định kỳ), {report.co_units} đơn vị phối hợp, "
        f"{report.events} sự kiện lịch sử, {report.extensions} đề nghị gia hạn trong {report.seconds:.1f} s.")
    click.echo("Trạng thái: " + ", ".join(f"{k} {v}" for k, v in report.by_status.items()))
    click.echo(f"Tài khoản: {LOGIN_PREFIX}admin, {LOGIN_PREFIX}vanphong1, {LOGIN_PREFIX}lanhdao1, "
               f"{LOGIN_PREFIX}u<id>.truong, {LOGIN_PREFIX}u<id>.cb1 (mật khẩu {DEMO_PASSWORD}).")
