"""Turn generated documents into PDF with LibreOffice, then read pages and text with poppler."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def available() -> bool:
    return all(shutil.which(tool) for tool in ("soffice", "pdfinfo", "pdftotext"))


def to_pdf(files: list[Path], out: Path) -> dict[str, Path]:
    """Convert every file in one LibreOffice run (its own profile: others may run one too)."""
    profile = out / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(out), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return {f.stem: out / f"{f.stem}.pdf" for f in files}


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))  # fmt: skip


def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
