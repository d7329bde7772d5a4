"""The examples in the ui modules' docstrings (``ui/`` is not in pytest's testpaths)."""

from __future__ import annotations

import doctest

import pytest

from ui import serve, views


@pytest.mark.parametrize("module", [views, serve], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted and not result.failed
