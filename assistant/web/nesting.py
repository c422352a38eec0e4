"""How deep a piece of JSON nests, measured on its bytes without recursion.

Python's parser and everything that walks a parsed value recurse once per level, so a 2 KB line of
``[[[[...`` raises RecursionError far from where it came in. Callers measure first and refuse deep
input with a plain message: the JSON route, the app's edge, and ``assistant search --queries``.
"""

from __future__ import annotations

import re

MAX_DEPTH = 32  # the deepest thing the app or a batch line needs is 4 levels
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting_depth(data: bytes | str, stop_above: int | None = None) -> int:
    """The deepest level of arrays and objects in ``data``; brackets inside strings do not count.

    Malformed input gets a number too (an unclosed string counts its brackets), so the parser still
    says what is wrong with it when it is shallow. With ``stop_above``, counting stops at the first
    level past it.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b"", data)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest


def too_deep(data: bytes | str, limit: int = MAX_DEPTH) -> str | None:
    """A plain message when ``data`` nests deeper than ``limit``, else None."""
    return f"nested deeper than {limit} levels" if nesting_depth(data, stop_above=limit) > limit else None
