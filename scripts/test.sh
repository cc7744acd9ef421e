#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium) and run the whole suite:
# unit/integration tests on SQLite and PostgreSQL (when reachable), then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip > .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
.venv/bin/python -m pip install -q -e ".[test]" > .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium is missing and cannot be installed here (need root + apt-get)" >&2
    exit 1
  fi
fi
# LibreOffice (headless) and poppler render the reports and exports for the layout check and the
# screenshots (scripts/render_reports.py); optional: the rendering test skips without them.
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing LibreOffice (writer, calc) and poppler-utils for the report rendering..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui \
      libreoffice-calc-nogui poppler-utils) >/dev/null || echo "LibreOffice not installed: rendering test skipped" >&2
  fi
fi
# OCR of scans (issue 17): Tesseract with its Vietnamese model, poppler's pdftoppm; DejaVu fonts for
# the Vietnamese PDFs the intake tests make with reportlab
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata >/dev/null 2>&1 || need+=(tesseract-ocr-vie)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need[*]} for the intake tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null
  else
    echo "${need[*]} missing and cannot be installed here (need root + apt-get)" >&2
    exit 1
  fi
fi
export PTB_TIMEDELTA=1
status=0
# Lint first ([tool.ruff] in pyproject.toml); a finding fails the run, the tests still run
.venv/bin/python -m ruff check . || status=$?
.venv/bin/python -m pytest -q "$@" || status=$?
if [ -d tests/e2e ] && [ $# -eq 0 ]; then
  .venv/bin/python -m pytest -q -p playwright tests/e2e --rootdir . -o addopts="" -o pythonpath=. || status=$?
fi
exit $status
