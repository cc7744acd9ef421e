"""Unit scores by the rules file: the hand-computed quarters, loading rules (CLI and admin page), the API."""
import pytest

from tests.reports.conftest import Q1
from tests.reports.conftest import Q2
from tests.reports.conftest import TODAY
from tracker.services import accounts
from tracker.services import periodic
from tracker.services import scoring


def _table(board):
    return [(u["unit"]["name"], u["points"], u["rank"], u["ty_le_dung_han"], u["dat_80"])
            for u in board.as_dict()["units"]]


def test_default_rules_score_the_quarters(session, quarters):
    # Q2: A = 100 + 1 (a5 on time) + 0.5 (a3 done late in Q2) - 2 (a4 overdue) - 0.25 (a5's extension)
    #     B = 100 + 1 (b1 of 20/04) - 2 * 2 (b1 of 20/05, b2) ; C = 100 (nothing due, rate none)
    q2 = scoring.scores(session, periodic.Period(*Q2), today=TODAY)
    assert _table(q2) == [("UBND huyện Hòa Bình", 100.0, 1, None, None), ("Sở Tài chính", 99.25, 2, 33.3, False),
                          ("Sở Y tế", 97.0, 3, 33.3, False)]
    # Q1: A = 100 + 1 + 0.5 - 2 * 2 - 0.5 (a3 returned) - 0.25 (a4's extension); B = 100 + 1 + 0.5 - 2
    q1 = scoring.scores(session, periodic.Period(*Q1), today=TODAY)
    assert _table(q1) == [("Sở Y tế", 99.5, 1, 33.3, False), ("Sở Tài chính", 96.75, 2, 25.0, False)]
    a = q1.as_dict()["units"][1]
    assert (a["tra_lai"], a["gia_han"], a["chua_hoan_thanh_qua_han"]) == (1, 1, 2)


RULES = """
name: Quy tắc thử nghiệm
period: quarter
base: 0
points:
  hoan_thanh_dung_han: 10
  hoan_thanh_qua_han: 4
  chua_hoan_thanh_qua_han: -5
  tra_lai: -3
threshold: 30
"""


def test_rules_loaded_by_the_cli_apply(runner, session, quarters, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    result = runner.invoke(args=["scoring", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "Quy tắc thử nghiệm" in result.output
    q1 = scoring.scores(session, periodic.Period(*Q1), today=TODAY)
    # A: 10 + 4 - 10 - 3 = 1 (rate 25 % < 30); B: 10 + 4 - 5 = 9 (33.3 % >= 30)
    assert _table(q1) == [("Sở Y tế", 9.0, 1, 33.3, True), ("Sở Tài chính", 1.0, 2, 25.0, False)]
    bad = tmp_path / "bad.yaml"
    bad.write_text("points:\n  hoan_thanh_dung_han: nhiều\n", encoding="utf-8")
    refused = runner.invoke(args=["scoring", "load", str(bad)])
    assert refused.exit_code != 0 and "phải là số" in refused.output


@pytest.mark.parametrize("text,message", [("[1, 2", "YAML"), ("- a", "bảng khóa"), ("points: {}", "points"),
                                          ("points: {diem_thuong: 1}", "không hợp lệ"),
                                          ("points: {tra_lai: 1}\nthreshold: 120", "threshold"),
                                          ("points: {tra_lai: 1}\nperiod: tuan", "Kỳ")])
def test_bad_rules_are_refused_with_a_reason(text, message):
    with pytest.raises(scoring.ServiceError) as info:
        scoring.parse_rules(text)
    assert message in info.value.message and info.value.status == 422


def test_the_default_rules_parse():
    rules = scoring.parse_rules(scoring.default_source())
    assert rules.threshold == 80 and rules.points["chua_hoan_thanh_qua_han"] == -2


def test_admin_page_loads_rules(client, login, session, quarters):
    login(quarters.users["clerk"])
    page = client.get("/admin/scoring")
    assert page.status_code == 200 and "Quy tắc mặc định" in page.get_data(as_text=True)
    refused = client.post("/admin/scoring", data={"rules": "points: 3"})
    assert refused.status_code == 422 and "points" in refused.get_data(as_text=True)
    done = client.post("/admin/scoring", data={"rules": RULES})
    assert done.status_code == 302
    assert scoring.active_rules(session).name == "Quy tắc thử nghiệm"


def test_api_scores_and_ranking_page(client, login, session, quarters, monkeypatch):
    import tracker.web.reports as reports

    monkeypatch.setattr(reports, "local_today", lambda now=None: TODAY)
    token = accounts.issue_api_token(session, quarters.users["leader"], "t")
    session.commit()
    body = client.get("/api/v1/reports/scores?from=2025-04-01&to=2025-06-30",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(u["unit"]["name"], u["points"], u["rank"], u["dat_80"]) for u in body["units"]] == [
        ("UBND huyện Hòa Bình", 100.0, 1, None), ("Sở Tài chính", 99.25, 2, False), ("Sở Y tế", 97.0, 3, False)]
    assert set(body["units"][0]) >= {"unit", "points", "rank", "ty_le_dung_han", "dat_80"}
    login(quarters.users["leader"])
    page = client.get("/reports/scores?from=01/04/2025&to=30/06/2025").get_data(as_text=True)
    assert "99.25" in page and "Chưa đạt" in page
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get("/reports/scores.xlsx?from=2025-04-01&to=2025-06-30").data))
    rows = [tuple(c.value for c in r) for r in wb.active.iter_rows()]
    assert rows[5][:3] == ("Xếp hạng", "Đơn vị", "Điểm")
    assert rows[6][:3] == (1, "UBND huyện Hòa Bình", 100.0) and rows[8][:3] == (3, "Sở Y tế", 97.0)
    csv_text = client.get("/reports/scores.csv?from=2025-04-01&to=2025-06-30").data.decode("utf-8-sig")
    assert csv_text.splitlines()[2].startswith("2,Sở Tài chính,99.25")


def test_ranking_page_defaults_to_the_rules_period(client, login, session, quarters, monkeypatch):
    import tracker.web.reports as reports

    monkeypatch.setattr(reports, "local_today", lambda now=None: TODAY)
    login(quarters.users["clerk"])
    # default rules: the last finished quarter (Q2 on 15/07)
    assert "01/04/2025 – 30/06/2025" in client.get("/reports/scores").get_data(as_text=True)
    scoring.load_rules(session, RULES.replace("period: quarter", "period: half"))
    session.commit()
    assert "01/01/2025 – 30/06/2025" in client.get("/reports/scores").get_data(as_text=True)
    scoring.load_rules(session, RULES.replace("period: quarter", "period: month"))
    session.commit()
    assert "01/06/2025 – 30/06/2025" in client.get("/reports/scores").get_data(as_text=True)
