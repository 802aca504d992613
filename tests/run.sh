#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium and fonts), then run
# lint, format check and the whole suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! fc-list | grep -qi "Noto Sans:" \
    || ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-core \
        libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils >/dev/null
fi
python -m pip install -q -r requirements-dev.txt

ruff check .
ruff format --check .
# worksteal: an idle worker takes tests queued on the other, so the long browser tests do not
# end the run on one worker (measured from a fresh clone: 9:33 with load, 9:04 with worksteal).
python -m pytest -n 2 --dist worksteal -q "$@"
