# SPDX-License-Identifier: MIT
"""One table of parameters: for every property gst-inspect-1.0 prints, the
Python package and the command say the same — name, type, range, default,
choices and description.  Nothing here lists a property or a value: all of
it is read from gst-inspect-1.0's output and compared."""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess

import pytest

import melspecx
from melspecx import cli, properties
from conftest import python_env

TYPES = {"Integer": "int", "Unsigned Integer": "int", "Integer64": "int",
         "Unsigned Integer64": "int", "Long": "int", "Unsigned Long": "int",
         "Double": "float", "Float": "float", "Boolean": "bool",
         "Enum": "enum", "String": "string"}


def _inspect_properties() -> dict[str, dict]:
    """gst-inspect-1.0 melspecx's "Element Properties", parsed."""
    text = subprocess.run(["gst-inspect-1.0", "melspecx"], env=python_env(),
                          capture_output=True, text=True, check=True,
                          timeout=60).stdout
    text = text.split("Element Properties:", 1)[1]
    found: dict[str, dict] = {}
    for block in re.split(r"\n  (?=[a-z][\w-]* +: )", "\n" + text):
        head = re.match(r"([a-z][\w-]*) +: (.*)", block.strip("\n "))
        if not head or head.group(1) in ("name", "parent"):
            continue
        lines = [line.strip() for line in block.strip("\n").splitlines()]
        kind = re.match(r"(Unsigned Integer64|Unsigned Integer|Integer64|"
                        r"Unsigned Long|Integer|Long|Double|Float|Boolean|"
                        r"Enum|String)\b", lines[2])
        entry = {"blurb": head.group(2).strip(), "kind": TYPES[kind.group(1)],
                 "playing": "PLAYING" in lines[1],
                 "writable": "writable" in lines[1]}
        numbers = re.search(r"Range:\s*(\S+)\s+-\s+(\S+)\s+Default:\s*(\S+)",
                            lines[2])
        if numbers:
            cast = int if entry["kind"] == "int" else float
            entry.update(minimum=cast(numbers.group(1)),
                         maximum=cast(numbers.group(2)),
                         default=cast(numbers.group(3)))
        elif entry["kind"] == "enum":
            entry["default"] = re.search(r'Default: -?\d+, "([^"]+)"',
                                         lines[2]).group(1)
            entry["choices"] = tuple(re.match(r"\(-?\d+\): (\S+)", line)
                                     .group(1) for line in lines[3:])
        elif entry["kind"] == "bool":
            entry["default"] = lines[2].endswith("true")
        elif entry["kind"] == "string":
            quoted = re.search(r'Default: "(.*)"$', lines[2])
            entry["default"] = quoted.group(1) if quoted else None
        if entry["writable"]:
            found[head.group(1)] = entry
    return found


INSPECT = _inspect_properties()
NAMES = sorted(INSPECT)


def test_gst_inspect_lists_properties():
    assert len(NAMES) >= 10, NAMES


def test_python_knows_every_property():
    table = properties.properties()
    assert sorted(p.name for p in table.values()) == NAMES
    assert sorted(melspecx.element_properties()) == \
        sorted(name.replace("-", "_") for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_python_agrees_with_gst_inspect(name):
    want = INSPECT[name]
    prop = properties.get(name)
    assert prop.kind == want["kind"] and prop.blurb == want["blurb"]
    assert prop.playing == want["playing"]
    assert prop.default == pytest.approx(want["default"]) \
        if prop.kind == "float" else prop.default == want["default"]
    assert melspecx.element_properties()[prop.key] == prop.default
    if "minimum" in want:
        assert prop.minimum == pytest.approx(want["minimum"], rel=1e-6)
        assert prop.maximum == pytest.approx(want["maximum"], rel=1e-6)
    if prop.kind == "enum":
        assert prop.choices == want["choices"]


def _actions(command: str) -> dict[str, argparse.Action]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions
               if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices[command]._actions}


def _help_text(action: argparse.Action) -> str:
    return " ".join(action.help.split())


@pytest.mark.parametrize("command", ["generate", "batch", "live"])
@pytest.mark.parametrize("name", NAMES)
def test_command_agrees_with_gst_inspect(command, name):
    """Each property the command does not set itself is an option with
    the element's choices, type, range, default and description."""
    want = INSPECT[name]
    key = name.replace("-", "_")
    action = _actions(command).get(key)
    if name in cli.COMMAND_SET:
        assert action is None
        return
    assert action is not None, f"melspecx {command} has no option for {name}"
    prop = properties.get(name)
    text = _help_text(action)
    assert " ".join(want["blurb"].split()).rstrip(".") in text
    assert text.count("(default") == 1
    assert f"(default: {prop.text(want['default'])})" in text
    if "minimum" in want:
        assert f"Range: {prop.text(want['minimum'])} to " \
            f"{prop.text(want['maximum'])}." in text
    if want["kind"] == "enum":
        assert tuple(action.choices) == want["choices"]
    if want["kind"] == "bool":
        assert isinstance(action, argparse.BooleanOptionalAction)


def _other_value(want: dict):
    """A valid value that is not the default, as typed on a command line."""
    if want["kind"] == "enum":
        choice = [c for c in want["choices"] if c != want["default"]][0]
        return [choice.upper()], choice
    if want["kind"] == "bool":
        return [], not want["default"]
    if want["kind"] == "string":
        return ["/tmp/colours.csv"], "/tmp/colours.csv"
    value = want["maximum"] if want["default"] != want["maximum"] \
        else want["minimum"]
    return [str(value)], value


@pytest.mark.parametrize("name", [n for n in NAMES
                                  if n not in cli.COMMAND_SET])
def test_each_option_reaches_the_element_keyword(name):
    want = INSPECT[name]
    action = _actions("generate")[name.replace("-", "_")]
    words, value = _other_value(want)
    flag = action.option_strings[0]
    if want["kind"] == "bool":
        flag = flag if value else action.option_strings[1]
    args = cli.build_parser().parse_args(["generate", "in", "out", flag,
                                          *words])
    assert cli._element_kwargs(args) == {name.replace("-", "_"): value}
    bare = cli.build_parser().parse_args(["generate", "in", "out"])
    assert cli._element_kwargs(bare) == {}     # the element's defaults


@pytest.mark.parametrize("name", [n for n in NAMES
                                  if "minimum" in INSPECT[n]])
def test_python_refuses_outside_the_element_range(name):
    want = INSPECT[name]
    step = 1 if want["kind"] == "int" else want["maximum"] * 1e-3 + 1
    prop = properties.get(name)
    for bad in (want["minimum"] - step, want["maximum"] + step):
        with pytest.raises(melspecx.MelSpecParameterError) as info:
            prop.check(bad)
        assert str(info.value).startswith(f"{name} is ")
        assert f"between {prop.text(want['minimum'])} and " \
            f"{prop.text(want['maximum'])}" in str(info.value)


def test_config_defaults_are_the_element_defaults():
    config = melspecx.create_mel_config(44100)
    for field in dataclasses.fields(config):
        name = field.name.replace("_", "-")
        if name not in INSPECT:
            assert field.name == "sample_rate"
            continue
        value = getattr(config, field.name)
        want = INSPECT[name]["default"]
        if field.name == "win_length":
            value = value or 0               # None = n-fft, the element's 0
        if field.name == "ref_db":
            assert value is None              # no fixed reference
            continue
        assert value == pytest.approx(want) if isinstance(want, float) \
            else value == want, field.name
