"""The occasion calendar and safe templates (core/occasions, core/messaging/templates)."""

from __future__ import annotations

import datetime

import pytest

from core import sdk
from core.occasions import (
    DEFAULT_FESTIVALS,
    birthday_on,
    custom_date,
    date_in,
    default_festivals,
    festival,
    occasions_on,
)

D = datetime.date

# The published calendar (the State Council's holiday notices and the Purple Mountain
# Observatory's almanac): Spring Festival and Mid-Autumn Festival.
PUBLISHED = {
    "spring_festival": {2026: D(2026, 2, 17), 2027: D(2027, 2, 6), 2028: D(2028, 1, 26)},
    "mid_autumn": {2026: D(2026, 9, 25), 2027: D(2027, 9, 15), 2028: D(2028, 10, 3)},
    "teachers_day": {2026: D(2026, 9, 10), 2027: D(2027, 9, 10), 2028: D(2028, 9, 10)},
    "national_day": {2026: D(2026, 10, 1), 2027: D(2027, 10, 1), 2028: D(2028, 10, 1)},
    "new_year": {2026: D(2026, 1, 1), 2027: D(2027, 1, 1), 2028: D(2028, 1, 1)},
    "dragon_boat": {2026: D(2026, 6, 19), 2027: D(2027, 6, 9), 2028: D(2028, 5, 28)},
}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_festival_dates_match_the_published_calendar(key: str):
    for year, day in PUBLISHED[key].items():
        assert date_in(festival(key), year) == day


def test_the_default_set_is_api_md_section_6():
    assert set(DEFAULT_FESTIVALS) == {
        "new_year",
        "spring_festival",
        "teachers_day",
        "mid_autumn",
        "national_day",
    }


def test_qingming_is_never_a_greeting():
    with pytest.raises(sdk.InvalidInput) as caught:
        festival("qingming", field="config.occasions[0].name")
    assert caught.value.errors[0]["field"] == "config.occasions[0].name"
    # Qingming 2026 (5 April) and every other day of 2026-2028: no default festival is it.
    for year in (2026, 2027, 2028):
        for day in (D(year, 4, 4), D(year, 4, 5)):
            assert occasions_on(default_festivals(), day) == []


def test_one_spring_festival_occasion_not_new_years_eve_too():
    for year in (2026, 2027, 2028):
        spring = PUBLISHED["spring_festival"][year]
        assert [o.key for o in occasions_on(default_festivals(), spring)] == ["spring_festival"]
        eve = spring - datetime.timedelta(days=1)
        assert occasions_on(default_festivals(), eve) == []
    with pytest.raises(sdk.InvalidInput):
        festival("chuxi")


def test_29_february_is_kept_on_28_february_in_common_years():
    born = D(2000, 2, 29)
    assert birthday_on(born, D(2027, 2, 28))
    assert not birthday_on(born, D(2027, 3, 1))
    assert not birthday_on(born, D(2028, 2, 28))
    assert birthday_on(born, D(2028, 2, 29))
    assert birthday_on(D(1990, 2, 28), D(2028, 2, 28))


def test_custom_dates_must_exist():
    assert date_in(custom_date("founding", "校庆", "05-20"), 2027) == D(2027, 5, 20)
    assert date_in(custom_date("leap", "闰日", "02-29"), 2027) == D(2027, 2, 28)
    for bad in ("02-31", "13-01", "04-31", "00-10"):
        with pytest.raises(sdk.InvalidInput) as caught:
            custom_date("x", "x", bad, field="config.occasions[3].date")
        assert caught.value.errors[0]["field"] == "config.occasions[3].date"


def test_templates_take_plain_allowed_fields_only():
    template = sdk.parse_template(
        "{name}，祝您{occasion}快乐！{{}}", {"name", "occasion"}, field="t"
    )
    assert (
        sdk.render_template(template, {"name": "王", "occasion": "春节"}) == "王，祝您春节快乐！{}"
    )
    assert (
        sdk.render_template(template, {"name": None, "occasion": "春节"}, fallback={"name": "客户"})
        == "客户，祝您春节快乐！{}"
    )
    for bad in ("{nam}", "{name.__class__}", "{name[0]}", "{name!r}", "{name:>99999}", "{", "}"):
        with pytest.raises(sdk.InvalidInput) as caught:
            sdk.parse_template(bad, {"name"}, field="config.template")
        assert caught.value.errors[0]["field"] == "config.template"
    with pytest.raises(sdk.InvalidInput):
        sdk.parse_template("x" * (sdk.MAX_TEMPLATE_CHARS + 1), {"name"}, field="t")
    big = sdk.parse_template("{name}", {"name"}, field="t")
    huge = "x" * (sdk.MAX_RENDERED_CHARS + 10)
    assert len(sdk.render_template(big, {"name": huge})) == sdk.MAX_RENDERED_CHARS
