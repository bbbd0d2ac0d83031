# SPDX-License-Identifier: MIT
"""The melspecx element's properties: the package's one table of parameters.

Names, types, ranges, defaults, choices and descriptions are read from the
element's GParamSpecs (what ``gst-inspect-1.0 melspecx`` prints), and the
limits on the input from its sink pad template, so that the Python functions,
the command and the element cannot disagree: a property added to the element
or a range changed there reaches Python without a change here.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from .errors import MelSpecError, MelSpecParameterError

#: GstObject's own properties, not the element's.
_OBJECT_PROPERTIES = ("name", "parent")

_INT_TYPES = ("gint", "guint", "gint64", "guint64", "glong", "gulong")
_FLOAT_TYPES = ("gdouble", "gfloat")


@dataclasses.dataclass(frozen=True)
class Property:
    """One writable property of the melspecx element.

    Attributes:
        name: as the element spells it (``"n-fft"``).
        kind: ``"int"``, ``"float"``, ``"bool"``, ``"enum"`` or ``"string"``.
        default: the element's default; for an enum its nick (``"hann"``).
        minimum, maximum: the accepted range of a number, else None.
        choices: the nicks an enum accepts, in the element's order.
        blurb: the element's one-sentence description.
        playing: whether it may change while the pipeline plays.
        values: an enum's nick -> integer value.
    """

    name: str
    kind: str
    default: Any
    minimum: Any = None
    maximum: Any = None
    choices: tuple[str, ...] = ()
    blurb: str = ""
    playing: bool = False
    values: dict[str, int] = dataclasses.field(default_factory=dict,
                                               compare=False, repr=False)

    @property
    def key(self) -> str:
        """The Python keyword: the name with '-' written as '_'."""
        return self.name.replace("-", "_")

    def text(self, value: Any) -> str:
        """A value as gst-inspect-1.0 writes it: true/false, 8000 (not
        8000.0), an enum's nick."""
        if self.kind == "bool":
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number(value)
        return str(value)

    def range_text(self) -> str:
        """"between LOW and HIGH" for a number, "one of A, B" for an enum."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        return f"between {_number(self.minimum)} and {_number(self.maximum)}"

    def check(self, value: Any) -> Any:
        """``value`` as a Python value of this property (an enum as its
        nick, in lower case), or MelSpecParameterError naming the property
        and what it accepts.

        Strings are parsed (for the command line and ``-p NAME=VALUE``);
        numbers are checked against the range here, because GObject would
        only print a warning and keep the old value."""
        if self.kind == "enum":
            return self._check_enum(value)
        if self.kind == "bool":
            return self._check_bool(value)
        if self.kind == "string":
            return str(value)
        number = self._parse_number(value)
        if not self.minimum <= number <= self.maximum:
            raise self.refuse(value, self.range_text())
        return number

    def refuse(self, value: Any, requirement: str) -> MelSpecParameterError:
        """The error for a refused value: "NAME is VALUE but must be ..."."""
        return MelSpecParameterError(
            f"{self.name} is {value!r} but must be {requirement}")

    def gvalue(self, value: Any) -> Any:
        """``value`` checked, as ``set_property`` takes it (an enum as its
        integer)."""
        checked = self.check(value)
        return self.values[checked] if self.kind == "enum" else checked

    def _check_enum(self, value: Any) -> str:
        if isinstance(value, str) and value.lower() in self.values:
            return value.lower()
        if isinstance(value, int) and not isinstance(value, bool):
            for nick, number in self.values.items():
                if number == value:
                    return nick
        raise self.refuse(value, self.range_text())

    def _check_bool(self, value: Any) -> bool:
        if isinstance(value, str) and value.lower() in (
                "true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise self.refuse(value, "true or false")

    def _parse_number(self, value: Any) -> int | float:
        is_int = self.kind == "int"
        kind = "an integer" if is_int else "a number"
        if isinstance(value, bool):
            raise self.refuse(value, kind)
        try:
            if isinstance(value, str):
                return int(value, 0) if is_int else float(value)
            if is_int:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                return int(value)
            result = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self.refuse(value, kind) from None
        if result != result or result in (float("inf"), float("-inf")):
            raise self.refuse(value, "a finite number")
        return result


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def make_element(factory: str, name: str | None = None) -> Any:
    """Create a GStreamer element or raise MelSpecError naming the plugin."""
    from ._gst import Gst
    element = Gst.ElementFactory.make(factory, name)
    if element is None:
        hint = (" (is the melspecx plugin installed, or GST_PLUGIN_PATH set? "
                "try: gst-inspect-1.0 melspecx)") if factory == "melspecx" \
            else ""
        raise MelSpecError(f"GStreamer element '{factory}' is not "
                           f"available{hint}")
    return element


def _describe(spec: Any) -> Property:
    from ._gst import GObject, Gst
    type_name = spec.value_type.name
    common = dict(name=spec.name, blurb=spec.blurb,
                  playing=bool(spec.flags & Gst.PARAM_MUTABLE_PLAYING))
    if spec.value_type.is_a(GObject.TYPE_ENUM):
        members = list(spec.enum_class.__enum_values__.values())
        values = {m.value_nick: int(m) for m in members}
        return Property(kind="enum", default=spec.default_value.value_nick,
                        choices=tuple(values), values=values, **common)
    if type_name == "gboolean":
        return Property(kind="bool", default=bool(spec.default_value),
                        **common)
    if type_name in _INT_TYPES + _FLOAT_TYPES:
        cast = int if type_name in _INT_TYPES else float
        return Property(kind=cast.__name__, default=cast(spec.default_value),
                        minimum=cast(spec.minimum),
                        maximum=cast(spec.maximum), **common)
    return Property(kind="string", default=spec.default_value, **common)


@functools.lru_cache(maxsize=None)
def properties() -> dict[str, Property]:
    """The element's writable properties by Python keyword (``n_fft``), in
    the element's order.

    Raises:
        MelSpecError: the melspecx plugin is not installed.
    """
    from ._gst import GObject
    specs = [spec for spec in make_element("melspecx").list_properties()
             if spec.name not in _OBJECT_PROPERTIES
             and spec.flags & GObject.ParamFlags.WRITABLE]
    return {p.key: p for p in map(_describe, specs)}


@functools.lru_cache(maxsize=None)
def preset_values(preset: str) -> dict[str, Any]:
    """Every property's value (snake_case keyword -> value as
    :meth:`Property.check` returns it) on an element whose ``preset`` is
    ``preset``: the element's own table of what each preset sets, read
    back.

    Raises:
        MelSpecParameterError: an unknown preset, naming the known ones.
    """
    element = make_element("melspecx")
    element.set_property("preset", get("preset").gvalue(preset))
    values = {}
    for key, prop in properties().items():
        value = element.get_property(prop.name)
        values[key] = value.value_nick if prop.kind == "enum" else value
    return values


def get(key: str) -> Property:
    """The property for a keyword (``n_fft`` or ``n-fft``), or
    MelSpecParameterError naming it and listing the known ones."""
    table = properties()
    found = table.get(key.replace("-", "_"))
    if found is None:
        raise MelSpecParameterError(
            f"unknown parameter {key!r}: the melspecx element has no "
            f"property {key.replace('_', '-')!r} (known: "
            + ", ".join(p.name for p in table.values()) + ")")
    return found


@functools.lru_cache(maxsize=None)
def input_limits() -> dict[str, tuple[int, int]]:
    """The sample rates and channel counts the element takes, from its sink
    pad template: ``{"rate": (low, high), "channels": (low, high)}``."""
    from ._gst import Gst
    make_element("melspecx")             # a clear error if it is missing
    factory = Gst.ElementFactory.find("melspecx")
    for template in factory.get_static_pad_templates():
        if template.direction == Gst.PadDirection.SINK:
            structure = template.get_caps().get_structure(0)
            return {field: (structure.get_value(field).range.start,
                            structure.get_value(field).range.stop)
                    for field in ("rate", "channels")}
    raise MelSpecError("the melspecx element has no sink pad template")
