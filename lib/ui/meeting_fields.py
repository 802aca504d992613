"""The fields every council meeting record asks (SKKN round, bình xét): when, where, who led,
who came."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from lib.documents.meetings import Attendance, Meeting


@dataclass(frozen=True)
class MeetingHead:
    """What the head of a meeting form holds, as typed (lib checks it when saving)."""

    held_on: date | None
    starts_at: str
    ends_at: str
    place: str
    chaired_by: str
    secretary: str


def meeting_head(
    record: Meeting | None, *, chair: str, clerk: str, keys: str, hours: tuple[str, str]
) -> MeetingHead:
    """Date, times, place, chủ trì and thư ký, inside the caller's form.

    keys: a widget key per field is f"{field}_{keys}" (hop_ngay_, hop_bd_…, hop_dd_, hop_tk_)."""
    a, b, c = st.columns(3)
    held_on = a.date_input("Ngày họp", value=record.held_on if record else None,
                           format="DD/MM/YYYY", key=f"hop_ngay_{keys}")  # fmt: skip
    starts = b.text_input("Giờ bắt đầu", value=record.starts_at if record else "",
                          placeholder=hours[0], key=f"hop_bd_{keys}")  # fmt: skip
    ends = c.text_input("Giờ kết thúc", value=record.ends_at if record else "",
                        placeholder=hours[1], key=f"hop_kt_{keys}")  # fmt: skip
    place = st.text_input("Địa điểm", value=record.place if record else "", key=f"hop_dd_{keys}")
    a, b = st.columns(2)
    chaired = a.text_input("Chủ trì", value=record.chaired_by if record else chair,
                           key=f"hop_ct_{keys}")  # fmt: skip
    secretary = b.text_input("Thư ký", value=record.secretary if record else clerk,
                             key=f"hop_tk_{keys}")  # fmt: skip
    return MeetingHead(held_on, starts, ends, place, chaired, secretary)


def attendance_table(people: Iterable[Attendance]) -> pd.DataFrame:
    """The attendance as the meeting forms show it for editing, one row a member."""
    people = list(people)
    return pd.DataFrame({"Họ và tên": [p.name for p in people],
                         "Nhiệm vụ": [p.duty for p in people],
                         "Có mặt": [p.present for p in people],
                         "Lý do vắng": [p.reason for p in people]})  # fmt: skip
