"""`python -m tests.doc_shots [DIR]`: render the biên bản, a scoring sheet, the quyết định and
the danh sách of a demo round to PNG (LibreOffice, then pdftoppm) for a person to look at."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lib import demo
from lib.core import db
from lib.documents import recognition, skkn
from lib.scoring import rounds, states
from tests import pdf_render
from tests.documents_helpers import scored_round, with_source
from tests.scoring_helpers import TEMPLATE_100, rubric20


def main(out: Path) -> list[Path]:
    con = db.connect(":memory:")
    demo.load_demo(con)
    rid = scored_round(con, with_source(rubric20()))
    states.finalize_round(con, rid, "chutich")
    other = scored_round(con, with_source(rounds.load_rubric_file(TEMPLATE_100)), adjust=False)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = {
            "doc-bien-ban": skkn.round_minutes_docx(con, rid, "chutich"),
            "doc-quyet-dinh": recognition.decision_docx(con, rid, "chutich"),
            "doc-danh-sach": recognition.attachment_list_docx(con, rid, "chutich"),
        }
        for tag, round_id in (("20", rid), ("100", other)):
            with zipfile.ZipFile(io.BytesIO(skkn.round_sheets_zip(con, round_id))) as archive:
                files[f"doc-phieu-cham-{tag}"] = archive.read(archive.namelist()[0])
        paths = []
        for name, data in files.items():
            (work / f"{name}.docx").write_bytes(data)
            paths.append(work / f"{name}.docx")
        shots = []
        for name, pdf in pdf_render.to_pdf(paths, work).items():
            subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(out / name)], check=True)
            shots += sorted(out.glob(f"{name}-*.png"))
    return shots


if __name__ == "__main__":
    for shot in main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shots")):
        print(shot)
