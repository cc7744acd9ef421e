"""Operator commands."""
import yaml
from sqlmodel import select

from tracker.models import Unit
from tracker.models import User
from tracker.services.units import find_unit


def test_units_import_yaml_reports_changes(runner, session, tmp_path):
    registry = tmp_path / "units.yaml"
    registry.write_text(yaml.safe_dump({"units": [
        {"code": "STC", "name": "Sở Tài chính", "kind": "department", "aliases": ["Sở KH&ĐT"]},
        {"code": "XA1", "name": "UBND xã An Bình", "kind": "commune"},
        {"code": "CAC_XA", "name": "UBND các xã, phường", "kind": "group", "members_kind": "commune"},
    ]}, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(registry)])
    assert result.exit_code == 0, result.output
    assert "3 thêm" in result.output
    result = runner.invoke(args=["units", "import", str(registry)])
    assert "0 thêm, 0 cập nhật, 3 giữ nguyên" in result.output
    assert find_unit(session, "so kh&dt").code == "STC"


def test_units_import_csv_and_groups(runner, session, tmp_path):
    from tracker.services.units import expand_group

    csv_file = tmp_path / "units.csv"
    csv_file.write_text("code,name,kind,aliases,members\nA,Sở A,department,Sở AA,\nB,Sở B,department,,\n"
                        "G,Nhóm AB,group,,A|B\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    group = find_unit(session, "G")
    assert {u.code for u in expand_group(session, group)} == {"A", "B"}


def test_units_import_bad_file_is_one_line(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("units: [ {code: X}", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Lỗi:") and len(result.output.strip().splitlines()) == 1
    missing = runner.invoke(args=["units", "import", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 1 and "Không tìm thấy" in missing.output


def test_users_create_reads_password_from_stdin(runner, session, make_unit):
    unit = make_unit(name="Sở Y tế", aliases=["SYT"])
    result = runner.invoke(args=["users", "create", "yte1", "--role", "staff", "--unit", "SYT", "--name",
                                 "Cán bộ Y tế"],
                           input="mat-khau-rat-dai\n")
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.login == "yte1")).one()
    assert user.unit_id == unit.id and user.password_hash != "mat-khau-rat-dai"
    listing = runner.invoke(args=["users", "list"])
    assert "yte1" in listing.output and "Sở Y tế" in listing.output


def test_users_create_errors(runner, make_unit):
    result = runner.invoke(args=["users", "create", "x", "--role", "staff"], input="mat-khau-rat-dai\n")
    assert result.exit_code == 1 and "cần một đơn vị" in result.output
    result = runner.invoke(args=["users", "create", "x", "--role", "staff", "--unit", "Không có"],
                           input="mat-khau-rat-dai\n")
    assert result.exit_code == 1 and "Không tìm thấy đơn vị" in result.output


def test_users_token_prints_usable_token(runner, session, make_user):
    from tracker.services.accounts import user_for_api_token

    make_user("lead1", role="leader")
    result = runner.invoke(args=["users", "token", "lead1"])
    assert result.exit_code == 0
    assert user_for_api_token(session, result.output.strip()).login == "lead1"


def test_demo_registry_aliases_resolve_to_todays_units(runner, session):
    from tracker.services.units import DEMO_REGISTRY
    from tracker.services.units import import_registry
    from tracker.services.units import read_registry_file

    import_registry(session, read_registry_file(DEMO_REGISTRY))
    session.commit()
    expected = {
        "Sở Kế hoạch và Đầu tư": "Sở Tài chính", "Sở KH&ĐT": "Sở Tài chính",
        "Sở TN&MT": "Sở Nông nghiệp và Môi trường", "Sở NN&PTNT": "Sở Nông nghiệp và Môi trường",
        "Sở TT&TT": "Sở Khoa học và Công nghệ", "Sở LĐ-TB&XH": "Sở Nội vụ", "Sở GTVT": "Sở Xây dựng",
    }
    for alias, name in expected.items():
        assert find_unit(session, alias).name == name, alias
    assert session.exec(select(Unit).where(Unit.kind == "group")).first() is not None
