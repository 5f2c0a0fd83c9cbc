"""Safe message templates (core.messaging.templates, `sdk.parse_template`)."""

from __future__ import annotations

import pytest

from core import sdk
from core.errors import InvalidInput
from core.messaging.templates import (
    MAX_JSON_TEMPLATE_PLACEHOLDERS,
    MAX_PLACEHOLDERS,
    parse_json_template,
    render_json_template,
)
from plugins.education.config import EducationConfig

ALLOWED = {"name", "holiday"}


def test_placeholders_are_substituted_plainly() -> None:
    template = sdk.parse_template("{name}，祝您{holiday}快乐！{{不是}}", ALLOWED, field="f")
    assert template.placeholders == ["name", "holiday"]
    assert sdk.render_template(template, {"name": "李娜", "holiday": "春节"}) == (
        "李娜，祝您春节快乐！{不是}"
    )
    # A value is never interpreted: braces in it stay as they are.
    assert sdk.render_template(template, {"name": "{holiday}", "holiday": "x"}).startswith(
        "{holiday}，"
    )


def test_missing_values_take_the_fallback_or_nothing() -> None:
    template = sdk.parse_template("Dear {name}, {holiday}", ALLOWED, field="f")
    assert sdk.render_template(template, {"name": None}) == "Dear , "
    assert sdk.render_template(template, {}, fallback={"name": "customer"}) == "Dear customer, "


@pytest.mark.parametrize(
    "text",
    ["{name:>2000000000}", "{name!r}", "{name!s:^9}", "{name.upper}", "{name[0]}", "{0}", "{}"],
)
def test_format_specs_conversions_and_access_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sdk.parse_template(text, ALLOWED, field="config.greeting")
    assert [e["field"] for e in refused.value.errors] == ["config.greeting"]


@pytest.mark.parametrize("text", ["{other}", "{", "}", "a { b", "x" * (sdk.MAX_TEMPLATE_CHARS + 1)])
def test_unknown_placeholders_stray_braces_and_long_texts_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        sdk.parse_template(text, ALLOWED, field="f")


def test_the_number_of_placeholders_is_capped() -> None:
    sdk.parse_template("{name}" * MAX_PLACEHOLDERS, ALLOWED, field="f")
    with pytest.raises(InvalidInput, match="placeholders"):
        sdk.parse_template("{name}" * (MAX_PLACEHOLDERS + 1), ALLOWED, field="f")


def test_the_rendered_text_is_capped() -> None:
    template = sdk.parse_template("{name}" * 20, ALLOWED, field="f")
    rendered = sdk.render_template(template, {"name": "长" * 10_000})
    assert len(rendered) == sdk.MAX_RENDERED_CHARS


def test_the_gateway_payload_template_is_capped() -> None:
    fields = {"to", "subject", "body"}
    parse_json_template({"a": ["{to}", {"b": "{body}"}]}, fields, field="config.template")
    too_many = {str(i): "{body}" for i in range(MAX_JSON_TEMPLATE_PLACEHOLDERS + 1)}
    with pytest.raises(InvalidInput):
        parse_json_template(too_many, fields, field="config.template")
    with pytest.raises(InvalidInput) as refused:
        parse_json_template({"a": {"b": "{body!r}"}}, fields, field="config.template")
    assert refused.value.errors[0]["field"] == "config.template.a.b"
    deep: object = "{to}"
    for _ in range(12):
        deep = [deep]
    with pytest.raises(InvalidInput):
        parse_json_template(deep, fields, field="config.template")
    assert render_json_template({"t": ["{to}", 1, None]}, {"to": "+86"}) == {"t": ["+86", 1, None]}


def test_education_greetings_are_checked_at_config_and_rendered_safely() -> None:
    config = EducationConfig(birthday_greeting="{name}，生日快乐 {{ok}}")
    assert config.greeting("birthday_greeting", name="王") == "王，生日快乐 {ok}"
    with pytest.raises(InvalidInput) as refused:
        EducationConfig(holiday_greeting="{name:>2000000000}")
    assert refused.value.errors[0]["field"] == "config.holiday_greeting"
