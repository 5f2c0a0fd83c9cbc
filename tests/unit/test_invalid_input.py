"""`InvalidInput.from_msgspec`: msgspec's validation error as a 422 naming the field."""

from __future__ import annotations

import msgspec
import pytest

from core.errors import InvalidInput


class Port(msgspec.Struct, forbid_unknown_fields=True):
    port: int = 25
    hosts: list[str] = []


def _error(value: object, target: object = Port) -> msgspec.ValidationError:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(value, target)
    return caught.value


def test_the_field_is_named_under_the_prefix():
    error = InvalidInput.from_msgspec(_error({"port": "x"}), prefix="config")
    assert error.status == 422
    assert error.errors == [{"field": "config.port", "message": "Expected `int`, got `str`"}]
    nested = InvalidInput.from_msgspec(_error({"hosts": [1]}), prefix="config")
    assert [e["field"] for e in nested.errors] == ["config.hosts[0]"]


def test_without_a_prefix_the_field_is_the_path():
    error = InvalidInput.from_msgspec(_error({"port": "x"}), whole="task")
    assert error.errors == [{"field": "port", "message": "Expected `int`, got `str`"}]


def test_an_error_about_the_whole_document_names_it():
    assert InvalidInput.from_msgspec(_error([1]), prefix="config").errors[0]["field"] == "config"
    assert InvalidInput.from_msgspec(_error([1]), whole="task").errors[0]["field"] == "task"
    assert InvalidInput.from_msgspec(_error([1])).errors[0]["field"] == "body"
    assert (
        InvalidInput.from_msgspec(_error({"nope": 1}))
        .errors[0]["message"]
        .startswith("Object contains unknown field")
    )
