"""docs/plugins.md keeps up with the hook specifications and the event catalogue: one
`### <hook>` entry under "## Hook reference" per hook in core/plugins/hookspecs.py, none for
a hook that does not exist, each with the hook's signature and whether it is `firstresult`;
and the event table is the one generated from core/catalogue.py."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

from core.catalogue import Catalogue
from core.plugins import hookspecs
from core.testing.server import REPO_ROOT

DOC = REPO_ROOT / "docs" / "plugins.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _specs() -> dict[str, Callable[..., Any]]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


def _reference() -> dict[str, str]:
    """{heading: body} of the `###` entries under `## Hook reference`."""
    _, found, rest = DOC.read_text().partition("\n## Hook reference\n")
    assert found, "docs/plugins.md has no '## Hook reference' section"
    rest = re.split(r"^## ", rest, flags=re.MULTILINE)[0]
    parts = re.split(r"^### (.+)$", rest, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _definitions(body: str, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found = []
    for block in PYTHON_BLOCK.findall(body):
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
                found.append(node)
    return found


def test_the_hooks_are_found():
    assert {"patron_customer_section", "patron_veto"} <= set(_specs())


def test_events_are_subscriptions_not_hooks():
    """One way to react to an event: a subscription on the descriptor."""
    assert not {name for name in _specs() if name.endswith(("_created", "_recorded"))}


def test_the_event_table_is_the_catalogue():
    text = DOC.read_text()
    _, start, rest = text.partition("<!-- event-table:start -->\n")
    table, end, _ = rest.partition("\n<!-- event-table:end -->")
    assert start and end, "docs/plugins.md has no event-table markers"
    assert table.strip() == Catalogue().markdown_table(), (
        "the event table of docs/plugins.md differs from the catalogue; paste "
        "`python -c 'from core.catalogue import Catalogue; print(Catalogue().markdown_table())'`"
    )


def test_every_hook_has_a_reference_entry():
    missing = sorted(set(_specs()) - set(_reference()))
    assert missing == [], f"document these hooks in docs/plugins.md: {missing}"


def test_every_reference_entry_is_a_hook_that_exists():
    unknown = sorted(set(_reference()) - set(_specs()))
    assert unknown == [], f"docs/plugins.md documents hooks that do not exist: {unknown}"


@pytest.mark.parametrize("name", sorted(_specs()))
def test_the_entry_shows_the_hooks_signature_and_examples_fit_it(name: str):
    body = _reference().get(name)
    if body is None:
        pytest.skip("no entry (reported by test_every_hook_has_a_reference_entry)")
    spec = _specs()[name]
    arguments = list(inspect.signature(spec).parameters)
    is_async = inspect.iscoroutinefunction(spec)
    definitions = _definitions(body, name)
    assert definitions, f"the entry of {name} has no `def {name}(...)` in a python block"
    signature = definitions[0]
    assert [a.arg for a in signature.args.args] == arguments
    for definition in definitions:  # an implementation may take fewer arguments
        assert isinstance(definition, ast.AsyncFunctionDef) == is_async, (
            f"{name} is {'async' if is_async else 'synchronous'}"
        )
        assert {a.arg for a in definition.args.args} <= set(arguments)


@pytest.mark.parametrize("name", sorted(_specs()))
def test_the_entry_says_whether_the_hook_is_firstresult(name: str):
    body = _reference().get(name)
    if body is None:
        pytest.skip("no entry (reported by test_every_hook_has_a_reference_entry)")
    firstresult = getattr(_specs()[name], f"{hookspecs.PROJECT}_spec")["firstresult"]
    assert f"**firstresult:** {'yes' if firstresult else 'no'}" in body


def test_every_python_example_in_the_guide_parses():
    for block in PYTHON_BLOCK.findall(DOC.read_text()):
        ast.parse(block)


def _section(title: str) -> str:
    """The body of the `### <title>` section of the reference."""
    parts = re.split(r"^(#{2,3} .+)$", DOC.read_text(), flags=re.MULTILINE)
    for i in range(1, len(parts), 2):
        if parts[i] == f"### {title}":
            return parts[i + 1]
    raise AssertionError(f"docs/plugins.md has no '### {title}' section")


def test_every_public_repository_method_is_in_the_reference():
    from core.tenancy.repository import TenantRepository

    body = _section("`TenantRepository`")
    public = {
        name
        for name, _ in inspect.getmembers(TenantRepository, callable)
        if not name.startswith("_")
    }
    missing = sorted(
        name for name in public if f"`{name}(" not in body and f"await {name}(" not in body
    )
    assert missing == [], f"document these TenantRepository methods: {missing}"


def test_the_schedule_forms_documented_are_the_ones_accepted():
    from core.plugins.descriptor import SCHEDULE

    body = _section("Schedules")
    forms = re.findall(r"^  \| `([a-z][^`]*)` \|", body, flags=re.MULTILINE)
    assert len(forms) == 6
    for form in forms:
        example = form.replace("HH:MM", "09:30").replace(" D ", " 15 ").replace(" N ", " 3 ")
        assert SCHEDULE.match(example), form
    assert SCHEDULE.match("daily {recall_time}") and "daily {recall_time}" in body


def test_the_reserved_names_documented_are_the_hosts():
    from core.plugins.host import PROVIDED_NAMES, RESERVED_PLUGIN_PATHS, RESERVED_PLUGIN_PREFIXES

    body = _section("Reserved names")
    for path in RESERVED_PLUGIN_PATHS - {""}:
        assert f"`{path}`" in body, path
    for prefix in RESERVED_PLUGIN_PREFIXES:
        assert f"`{prefix}`" in body, prefix
    for name in PROVIDED_NAMES:
        assert f"`{name}`" in body, name


def test_the_sections_a_plugin_author_needs_are_there():
    for title in (
        "Migrations: the workflow",
        "Installing a plugin beside a Patron checkout",
    ):
        assert _section(title).strip()
    install = _section("Installing a plugin beside a Patron checkout")
    assert "pip install -e /path/to/patron -e '.[test]'" in install
    assert "uv run --with-editable" in install
