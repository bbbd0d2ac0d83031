# SPDX-License-Identifier: MIT
"""The README's table of properties equals the element's param specs."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "properties_table", ROOT / "scripts" / "properties_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_table_is_made_from_the_element():
    script = load_script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.readme_table(readme) == script.table(), (
        "README.md's properties differ from the element: run "
        "scripts/properties_table.py --write")


def test_table_has_every_property_once():
    from melspecx.properties import properties
    rows = load_script().table().splitlines()[2:]
    names = [row.split("`")[1] for row in rows]
    assert names == [p.name for p in properties().values()]
    assert "`center` | true |  | no (set it in READY) |" in "\n".join(rows)
    assert "`n-fft` | 2048 | 16 … 65536 | yes |" in "\n".join(rows)
    assert "`colormap` | inferno |" in "\n".join(rows)
