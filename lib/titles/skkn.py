"""The titles domain's only door into SKKN scoring: its public round, entry and result functions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.access.permissions import can_add_entries, is_published
from lib.core.db import Connection
from lib.scoring.authors import AuthorIn
from lib.scoring.entries import add_entry, authors_of
from lib.scoring.results import results
from lib.scoring.rounds import list_rounds, require_round


@dataclass(frozen=True)
class Recognition:
    """One graded SKKN of a person in a published round of the year."""

    person_id: int
    round_name: str
    level: str
    code: str
    title: str
    grade: str
    share: float  # the person's share of the authorship, in %


def year_rounds(con: Connection, school_year: str) -> pd.DataFrame:
    """The SKKN rounds of a school year (any state), newest first."""
    df = list_rounds(con, counts=False)
    return df[df["school_year"] == school_year].reset_index(drop=True)


def rounds_taking_entries(con: Connection, school_year: str) -> pd.DataFrame:
    """The year's rounds a registered SKKN can be entered into now (permissions decide)."""
    df = year_rounds(con, school_year)
    takes = [can_add_entries(r) for r in df.itertuples(index=False)]
    return df[takes].reset_index(drop=True)


def recognitions(con: Connection, school_year: str, levels: tuple[str, ...]) -> list[Recognition]:
    """Every graded, kept SKKN of the year's published rounds at these levels, per author."""
    found: list[Recognition] = []
    rounds_df = year_rounds(con, school_year)
    for row in rounds_df.itertuples(index=False):
        if not is_published(row) or row.level not in levels:
            continue
        res = results(con, int(row.id))
        # Plain lists, not itertuples over the frame: a district round has hundreds of entries.
        kept = [(int(i), code, title, str(grade)) for i, withdrawn, grade, code, title in zip(
            res["entry_id"].tolist(), res["withdrawn"].tolist(), res["grade"].tolist(),
            res["code"].tolist(), res["title"].tolist(), strict=True,
        ) if not withdrawn and grade is not None and grade == grade]  # fmt: skip
        authors = authors_of(con, [k[0] for k in kept])
        for entry_id, code, title, grade in kept:
            for a in authors.get(entry_id, ()):
                if a.person_id is None:
                    continue
                found.append(Recognition(int(a.person_id), row.name, row.level, code, title,
                                         grade, float(a.share)))  # fmt: skip
    return found


def register_entry(
    con: Connection, round_id: int, actor: str, person_id: int, name: str, title: str, field: str
) -> int:
    """Add the SKKN as an entry of the round, the person its only author; return the entry id."""
    return add_entry(
        con, round_id, actor, title=title, field=field,
        authors=[AuthorIn(name=name, share=100, person_id=person_id)],
    )  # fmt: skip


def round_year(con: Connection, round_id: int) -> tuple[str, str]:
    """The round's school year and its label for messages."""
    r = require_round(con, round_id)
    return r.school_year, r.label
