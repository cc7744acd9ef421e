"""Render the periodic report (.docx) and the office-layout export (.xlsx) to PNG for a look.

    .venv/bin/python scripts/render_reports.py [OUT_DIR]

Builds a small synthetic province (tracker.services.synthetic, fixed seed and day) in a
temporary SQLite database, writes the last quarter's report and the four-way table export,
converts them to PDF with LibreOffice headless (`soffice`) and to PNG with `pdftoppm`. The
pictures go to OUT_DIR (default instance/screenshots/, untracked); the README shows two
kept copies in docs/screenshots/. Needs Debian's libreoffice-writer-nogui,
libreoffice-calc-nogui and poppler-utils (scripts/test.sh installs them).
"""
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2025, 7, 15)
PERIOD = (date(2025, 4, 1), date(2025, 6, 30))


def build(out: Path) -> list[Path]:
    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.migrate import upgrade
    from tracker.services import exports
    from tracker.services import periodic
    from tracker.services import report_docx
    from tracker.services import sheet_layout
    from tracker.services import stats
    from tracker.services import synthetic

    work = Path(tempfile.mkdtemp(prefix="render-"))
    engine = make_engine(f"sqlite:///{work / 'render.db'}")
    upgrade(engine)
    synthetic.generate(engine, tasks=1500, units=12, directives=60, seed=7, today=TODAY)
    files = []
    with Session(engine) as session:
        period = periodic.Period(*PERIOD)
        data = periodic.report_data(session, period, today=TODAY)
        heading = report_docx.Heading(org_parent="Ủy ban nhân dân tỉnh Thanh Hóa", org_name="Văn phòng",
                                      place="Thanh Hóa", signer_title="Chánh Văn phòng", signer_name="Nguyễn Văn A",
                                      number="       /BC-VP", issued=TODAY)
        path = out / "bao-cao-ket-qua.docx"
        path.write_bytes(report_docx.report_docx(data, heading, periodic.narrative(data)))
        files.append(path)
        sheet_heading = sheet_layout.Heading("Ủy ban nhân dân tỉnh Thanh Hóa", "Văn phòng", "Thanh Hóa",
                                             "Chánh Văn phòng", day=TODAY)
        path = out / "tong-hop-nhiem-vu.xlsx"
        path.write_bytes(exports.dashboard_xlsx(session, stats.Filters(date_from=PERIOD[0], date_to=PERIOD[1]),
                                                today=TODAY, heading=sheet_heading))
        files.append(path)
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    return files


def render(files: list[Path], out: Path) -> list[Path]:
    pictures = []
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    for path in files:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=300)
        pdf = path.with_suffix(".pdf")
        stem = out / path.stem
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(stem)], check=True,
                       timeout=120)
        pictures += sorted(out.glob(f"{path.stem}-*.png"))
    shutil.rmtree(profile, ignore_errors=True)
    return pictures


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "instance" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    files = build(out)
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("soffice/pdftoppm missing: wrote", *files, sep="\n  ")
        return 1
    for picture in render(files, out):
        print(picture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
