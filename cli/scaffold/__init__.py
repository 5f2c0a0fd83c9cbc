"""`patron plugins new NAME`: a plugin package that installs and passes its test as made.

The package is rendered from the files under `template/` (`string.Template`: `${name}`,
`$$` for a dollar sign). Upper-case words in their paths name the parts that vary:
`PACKAGE` (the import package), `NAME` (the plugin) and the two migrations, which are
stamped with the time of scaffolding as Piccolo stamps the migrations it writes.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from string import Template

import piccolo

import core
from core.plugins.descriptor import NAME as PLUGIN_NAME

TEMPLATE_DIR = Path(__file__).parent / "template"
SUFFIX = ".tmpl"
PATH_WORD = re.compile(r"[A-Z][A-Z_]*[A-Z]")
MIGRATION_ID = "%Y-%m-%dT%H:%M:%S:%f"


class ScaffoldError(Exception):
    """The package cannot be made: a bad name, or its folder exists already."""


def _migration(name: str, at: datetime.datetime) -> tuple[str, str]:
    """A Piccolo migration's (ID, module name) for the app `name`, stamped `at`."""
    migration_id = at.strftime(MIGRATION_ID)
    return migration_id, f"{name}_{migration_id.replace('-', '_').replace(':', '_').lower()}"


def patron_source() -> str:
    """How the package's install command names Patron: the checkout this Patron runs from
    (`-e /path/to/patron`: the name `patron` alone would not resolve from an index), or
    `patron` when it is installed from a distribution."""
    checkout = Path(core.__file__).resolve().parents[1]
    pyproject = checkout / "pyproject.toml"
    if pyproject.exists() and 'name = "patron"' in pyproject.read_text():
        return f"-e {checkout}"
    return "patron"


def template_values(name: str, now: datetime.datetime | None = None) -> dict[str, str]:
    """The values substituted in the templates, and the path words they replace."""
    words = name.split("_")
    now = now or datetime.datetime.now(datetime.UTC)
    tables_id, tables_module = _migration(name, now)
    # The raw step must run after the tables exist: Piccolo applies migrations by ID.
    rls_id, rls_module = _migration(name, now + datetime.timedelta(seconds=1))
    return {
        "name": name,
        "title": " ".join(words).capitalize(),
        "dist": "patron-" + name.replace("_", "-"),
        "package": f"patron_{name}",
        "class_name": "".join(word.capitalize() for word in words),
        "camel_name": words[0] + "".join(word.capitalize() for word in words[1:]),
        "constant": name.upper(),
        "table": f"{name}_items",
        "tables_migration_id": tables_id,
        "rls_migration_id": rls_id,
        "piccolo_version": piccolo.__VERSION__,
        "patron_source": patron_source(),
        # path words
        "PACKAGE": f"patron_{name}",
        "NAME": name,
        "TABLES_MIGRATION": tables_module,
        "RLS_MIGRATION": rls_module,
    }


def _target(relative: Path, values: dict[str, str]) -> Path:
    """`PACKAGE/tests/test_NAME.py.tmpl` → `patron_x/tests/test_x.py`."""
    return Path(
        *(
            PATH_WORD.sub(lambda word: values.get(word.group(), word.group()), part)
            for part in relative.with_suffix("").parts
        )
    )


def scaffold_plugin(name: str, directory: Path) -> Path:
    """Write the package `patron-<name>/` into `directory`; return its path."""
    if not PLUGIN_NAME.match(name):
        raise ScaffoldError(
            f"{name!r} is not a plugin name: lower-case a-z, 0-9 and _, starting with a"
            " letter, 2 to 32 characters"
        )
    values = template_values(name)
    root = directory / values["dist"]
    if root.exists():
        raise ScaffoldError(f"{root} exists already")
    for source in sorted(TEMPLATE_DIR.rglob(f"*{SUFFIX}")):
        target = root / _target(source.relative_to(TEMPLATE_DIR), values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(source.read_text()).substitute(values))
    return root
