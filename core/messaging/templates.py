"""Safe message templates: `{name}` placeholders and nothing else.

`str.format` on a staff-written template reaches attributes and indexes (`{name.__class__}`)
and format specs that blow up sizes (`{name:>999999}`); these templates only substitute
whole values of named fields the caller allows. Exported by `core.sdk`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import msgspec

from core.errors import InvalidInput

MAX_TEMPLATE_CHARS = 2000
MAX_RENDERED_CHARS = 10_000

# `{{` and `}}` are literal braces; `{name}` a placeholder; any other brace is an error.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class MessageTemplate(msgspec.Struct, frozen=True):
    """A parsed template: literal text and placeholder names, alternating (`parts[1::2]`
    are names)."""

    text: str
    parts: tuple[str, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.parts[1::2])


def parse_template(text: str, allowed: Collection[str], *, field: str) -> MessageTemplate:
    """Parse `text`; `InvalidInput([(field, ...)])` naming the offending placeholder when it
    is not one of `allowed`, has a format spec, conversion, attribute or index, or when the
    braces do not match or the text is longer than `MAX_TEMPLATE_CHARS`."""
    if not isinstance(text, str):
        raise InvalidInput([(field, "must be a string")])
    if len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidInput([(field, f"at most {MAX_TEMPLATE_CHARS} characters")])
    if "\x00" in text:
        raise InvalidInput([(field, "must not contain NUL")])
    parts: list[str] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        name = match.group(1)
        if name is None:
            raise InvalidInput([(field, f"unmatched {token!r} at {match.start()}; use {{{{ }}}}")])
        if not _NAME.match(name):
            raise InvalidInput(
                [(field, f"placeholder {{{name}}} is not a plain field name like {{name}}")]
            )
        if name not in allowed:
            raise InvalidInput(
                [
                    (
                        field,
                        f"unknown field {{{name}}}; allowed: "
                        + ", ".join(f"{{{a}}}" for a in sorted(allowed)),
                    )
                ]
            )
        parts.extend(("".join(literal), name))
        literal = []
    literal.append(text[position:])
    parts.append("".join(literal))
    return MessageTemplate(text=text, parts=tuple(parts))


def render_template(
    template: MessageTemplate,
    values: Mapping[str, object | None],
    *,
    fallback: Mapping[str, str] | None = None,
) -> str:
    """Substitute each placeholder with `values[name]` (a missing or None value takes
    `fallback[name]`, else ""); the result is cut at `MAX_RENDERED_CHARS`."""
    out: list[str] = []
    size = 0
    for index, part in enumerate(template.parts):
        if index % 2:
            value = values.get(part)
            missing = value is None or value == ""
            part = (fallback or {}).get(part, "") if missing else str(value)
        out.append(part)
        size += len(part)
        if size > MAX_RENDERED_CHARS:
            break
    return "".join(out)[:MAX_RENDERED_CHARS]
