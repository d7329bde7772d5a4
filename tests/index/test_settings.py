"""The one settings object: every field described, grouped by area, and the README in step."""

from __future__ import annotations

import re

from index.settings import AREAS, Settings, settings_table
from tests.conftest import ROOT


def test_every_setting_has_a_description_and_one_area():
    fields = set(Settings.model_fields)
    grouped = [name for names in AREAS.values() for name in names]
    assert sorted(grouped) == sorted(fields), set(fields) ^ set(grouped)
    assert all(Settings.model_fields[name].description for name in fields)


def test_the_readme_configuration_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- settings:start[^>]*-->\n(.*?)\n<!-- settings:end -->", readme, re.S)
    assert m, "README lacks the settings table markers"
    assert m.group(1).strip() == settings_table(), "run `python -m index.settings` into README"
