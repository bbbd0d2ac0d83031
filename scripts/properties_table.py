#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The README's table of properties, made from the element's param specs.

    meson devenv -C build -w . /usr/bin/python3 scripts/properties_table.py          # print it
    meson devenv -C build -w . /usr/bin/python3 scripts/properties_table.py --write  # update README.md

The table in README.md sits between the two marker lines below; a test
checks that it equals what this script prints, so the README cannot drift
from the element.
"""
import os
import sys

BEGIN = "<!-- properties: made by scripts/properties_table.py from the element -->"
END = "<!-- end of properties -->"
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "README.md")


def values_text(prop):
    """An enum's choices, a number's range, nothing for a boolean."""
    if prop.kind == "enum":
        return ", ".join(prop.choices)
    if prop.kind in ("int", "float"):
        return f"{prop.text(prop.minimum)} … {prop.text(prop.maximum)}"
    return ""


def table():
    from melspecx.properties import properties
    lines = ["| property | default | values | changes while playing | meaning |",
             "|---|---|---|---|---|"]
    for prop in properties().values():
        playing = "yes" if prop.playing else "no (set it in READY)"
        blurb = prop.blurb.replace("|", "\\|")
        lines.append(f"| `{prop.name}` | {prop.text(prop.default)} | "
                     f"{values_text(prop)} | {playing} | {blurb} |")
    return "\n".join(lines) + "\n"


def block(text):
    """(start, end) of what lies between the markers in README text, or
    None."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return start + len(BEGIN) + 1, end


def readme_table(text):
    """The table between the markers in README text, or None."""
    span = block(text)
    return None if span is None else text[span[0]:span[1]]


def main(argv):
    made = table()
    if argv[1:] == ["--write"]:
        with open(README, encoding="utf-8") as f:
            text = f.read()
        span = block(text)
        if span is None:
            sys.exit(f"{README}: no '{BEGIN}' ... '{END}' block")
        text = text[:span[0]] + made + text[span[1]:]
        with open(README, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(made)


if __name__ == "__main__":
    main(sys.argv)
