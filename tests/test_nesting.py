"""JSON depth measured on bytes, before any parser recurses: what the edge, the JSON route and the CLI refuse."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.web.nesting import MAX_DEPTH, nesting_depth, too_deep

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=20)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_depth_of_any_json_matches_the_parsed_value(value):
    text = json.dumps(value)
    assert nesting_depth(text) == depth(value)
    assert nesting_depth(json.dumps(value, ensure_ascii=False).encode("utf-8")) == depth(value)


@pytest.mark.parametrize("data, expected", [
    (b"[" * 1000 + b"]" * 1000, 1000),
    (b"[" * 100_000, 100_000),  # never closed
    (b'{"a": "[[[[[[", "b": "\\\\", "c": [1]}', 2),  # brackets in strings, an escaped backslash
    (b'["\\"[[["]', 1),  # an escaped quote does not end the string
    (b"not json", 0),
])
def test_depth_of_deep_and_odd_input(data, expected):
    assert nesting_depth(data) == expected


def test_too_deep_says_so_and_stops_counting_early():
    assert too_deep(b"[" * (MAX_DEPTH + 1)) == f"nested deeper than {MAX_DEPTH} levels"
    assert too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is None
    assert nesting_depth(b"[" * 1_000_000, stop_above=5) == 6
