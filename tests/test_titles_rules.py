"""The quy chế as data: the default validates, every problem is listed, storage per year, lock."""

import pytest

from lib.core.errors import Invalid
from lib.titles import rules as R


def test_default_rules_load_with_a_source_for_every_rule():
    rules, errors = R.load_rules_yaml(R.default_yaml())
    assert errors == []
    assert rules.ldtt_min_months == 10 and rules.ldtt_days_off_below == 40
    assert rules.skkn_grades == ("A", "B") and rules.quota_percent == 15
    assert rules.vote["LDTT"] == 50 and rules.vote["CSTDCS"] == 70
    assert rules.medal_years == 20
    assert all(source for _, _, source in R.rule_table(rules))


def test_every_error_is_listed_in_vietnamese():
    text = R.default_yaml()
    text = text.replace("value: 10\n", "value: mười\n", 1)
    text = text.replace('value: "Hoàn thành tốt nhiệm vụ"', 'value: "Giỏi"')
    text = text.replace('value: "xuống"', 'value: "ngang"')
    text = text.replace("medal:", "medal:\n  bonus: {value: 1, source: x}", 1)
    rules, errors = R.load_rules_yaml(text)
    assert rules is None
    joined = "\n".join(errors)
    assert "LDTT.min_months: phải là số từ 0 đến 12 (đang là 'mười')" in joined
    assert "LDTT.min_rating: xếp loại 'Giỏi' không có" in joined
    assert "CSTDCS.quota_rounding: 'ngang' không hợp lệ" in joined
    assert "medal: khóa không được hỗ trợ 'bonus'" in joined
    assert len(errors) == 4


def test_a_rule_without_its_source_and_a_missing_section_are_refused():
    text = R.default_yaml().replace(
        '    source: "Nghị định 98/2023/NĐ-CP, Điều 5 (đủ 10 tháng công tác trở lên)"\n', ""
    )
    text = text[: text.index("vote:")] + text[text.index("medal:") :]
    _, errors = R.load_rules_yaml(text)
    assert "LDTT.min_months: thiếu căn cứ (source) của quy định" in errors
    assert "Thiếu phần vote" in errors


def test_repeated_key_and_bad_yaml_are_refused():
    _, errors = R.load_rules_yaml(R.default_yaml() + "\nname: lặp\n")
    assert "bị lặp" in errors[0]
    _, errors = R.load_rules_yaml("name: [")
    assert errors[0].startswith("Lỗi cú pháp YAML")


def test_rules_are_stored_per_year_and_locked_once_a_vote_is_recorded(con):
    stricter = R.default_yaml().replace("value: 10\n", "value: 11\n", 1)
    R.set_rules(con, "2023-2024", stricter, "chutich")
    assert R.get_rules(con, "2023-2024").ldtt_min_months == 11
    assert R.get_rules(con, "2024-2025").ldtt_min_months == 10  # other years keep the default
    with pytest.raises(Invalid) as refused:
        R.set_rules(con, "2023-2024", "name: [", "chutich")
    assert "Lỗi cú pháp YAML" in refused.value.messages[0]
    R.lock_rules(con, "2023-2024", "chutich")
    with pytest.raises(Invalid, match="quy chế đã khóa"):
        R.set_rules(con, "2023-2024", R.default_yaml(), "chutich")
    assert R.get_rules(con, "2023-2024").ldtt_min_months == 11


def test_school_year_must_be_two_consecutive_years():
    assert R.check_school_year("2023 – 2024") == "2023-2024"
    with pytest.raises(Invalid, match="2024-2025"):
        R.check_school_year("2023-2025")
