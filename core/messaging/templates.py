"""Safe message templates: `{name}` placeholders and nothing else.

Tenant admins write greeting texts and gateway payloads; `str.format` on such a text is
a way in (`{name:>2000000000}` allocates gigabytes, `{name.__class__}` walks objects).
Here a template is parsed once, when it is configured — placeholders are bare names from
an allowed set, `{{` and `}}` are literal braces, the size is capped — and rendered by
plain substitution, with the result capped too. Plugins use it through `core.sdk`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from core.errors import InvalidInput

MAX_TEMPLATE_CHARS = 4000
MAX_PLACEHOLDERS = 50
MAX_RENDERED_CHARS = 100_000
# The http channel's JSON payload template (`HttpConfig.template`).
MAX_JSON_TEMPLATE_BYTES = 8192
MAX_JSON_TEMPLATE_PLACEHOLDERS = 8
MAX_JSON_TEMPLATE_DEPTH = 8

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ONLY_NAMES = "only {name}, with no format spec, conversion, attribute or index"


class MessageTemplate(msgspec.Struct, frozen=True):
    """A parsed template: literal text and placeholder names, in order."""

    parts: tuple[tuple[bool, str], ...]  # (is_placeholder, text or name)

    @property
    def placeholders(self) -> list[str]:
        return [text for is_name, text in self.parts if is_name]


def parse_template(text: str, allowed: Collection[str], *, field: str) -> MessageTemplate:
    """Parse `text`; `InvalidInput` naming `field` for anything but `{name}` placeholders
    from `allowed` (no format specs, conversions, attribute or index access), a stray
    brace, more than `MAX_PLACEHOLDERS` placeholders or more than `MAX_TEMPLATE_CHARS`."""
    if not isinstance(text, str):
        raise InvalidInput([(field, "must be a string")])
    if len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidInput([(field, f"at most {MAX_TEMPLATE_CHARS} characters")])
    parts: list[tuple[bool, str]] = []
    literal: list[str] = []
    position = 0
    count = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        name = match.group(1)
        if name is None:
            raise InvalidInput(
                [(field, f"a lone {token!r}: write {token * 2!r} for a literal brace")]
            )
        if not _NAME.match(name):
            raise InvalidInput([(field, f"{{{name}}} is not a placeholder: {ONLY_NAMES}")])
        if name not in allowed:
            known = ", ".join("{" + n + "}" for n in sorted(allowed))
            raise InvalidInput([(field, f"unknown placeholder {{{name}}}; use {known}")])
        count += 1
        if count > MAX_PLACEHOLDERS:
            raise InvalidInput([(field, f"at most {MAX_PLACEHOLDERS} placeholders")])
        parts.append((False, "".join(literal)))
        literal = []
        parts.append((True, name))
    literal.append(text[position:])
    parts.append((False, "".join(literal)))
    return MessageTemplate(parts=tuple(p for p in parts if p[0] or p[1]))


def render_template(
    template: MessageTemplate,
    values: Mapping[str, object | None],
    *,
    fallback: Mapping[str, str] | None = None,
) -> str:
    """Plain substitution: a missing or None value takes `fallback[name]` or "". The
    result is cut at `MAX_RENDERED_CHARS`."""
    out: list[str] = []
    size = 0
    for is_name, text in template.parts:
        if is_name:
            value = values.get(text)
            text = (fallback or {}).get(text, "") if value is None else str(value)
        out.append(text[: MAX_RENDERED_CHARS - size])
        size += len(out[-1])
        if size >= MAX_RENDERED_CHARS:
            break
    return "".join(out)


# -- JSON payload templates (the http channel) ------------------------------------------


def parse_json_template(template: Any, allowed: Collection[str], *, field: str) -> None:
    """Check a JSON payload template: every string a `parse_template` template, at most
    `MAX_JSON_TEMPLATE_PLACEHOLDERS` placeholders in all, `MAX_JSON_TEMPLATE_BYTES` of
    JSON and `MAX_JSON_TEMPLATE_DEPTH` levels; `InvalidInput` naming the path."""
    if len(msgspec.json.encode(template)) > MAX_JSON_TEMPLATE_BYTES:
        raise InvalidInput([(field, f"at most {MAX_JSON_TEMPLATE_BYTES} bytes of JSON")])
    count = 0

    def walk(value: Any, path: str, depth: int) -> None:
        nonlocal count
        if depth > MAX_JSON_TEMPLATE_DEPTH:
            raise InvalidInput([(path, f"at most {MAX_JSON_TEMPLATE_DEPTH} levels deep")])
        if isinstance(value, str):
            count += len(parse_template(value, allowed, field=path).placeholders)
            if count > MAX_JSON_TEMPLATE_PLACEHOLDERS:
                raise InvalidInput(
                    [(field, f"at most {MAX_JSON_TEMPLATE_PLACEHOLDERS} placeholders in all")]
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", depth + 1)

    walk(template, field, 0)


def render_json_template(template: Any, fields: Mapping[str, str]) -> Any:
    """The payload: every string of the (checked) template rendered with `fields`."""
    if isinstance(template, str):
        return render_template(parse_template(template, fields, field="template"), fields)
    if isinstance(template, dict):
        return {key: render_json_template(value, fields) for key, value in template.items()}
    if isinstance(template, list):
        return [render_json_template(value, fields) for value in template]
    return template
