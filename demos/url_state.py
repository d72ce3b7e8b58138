"""Settings of a page as URL query parameters, so a teacher can prepare one link per slide.

:func:`decode` never raises: a missing, unknown or malformed value falls back
to the default (NaN and infinities too), and numbers are clamped to their range (a URL is
user input).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode


@dataclass(frozen=True)
class Param:
    """One setting: its query name, default, and what values are allowed."""

    name: str
    default: Any
    low: float | None = None          # numbers: clamped into [low, high]
    high: float | None = None
    choices: tuple | None = None      # strings: one of these
    many: bool = False                # a comma-separated subset of choices
    steps: tuple[float, ...] | None = None   # numbers: snapped to the nearest of these (log scale)

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, (list, tuple)):          # st.query_params.get_all style
            raw = raw[-1] if raw else None
        if raw is None:
            return self.default
        text = str(raw).strip()
        try:
            if self.many:
                values = tuple(v for v in text.split(",") if v in (self.choices or ()))
                return values if values or text == "" else self.default
            if isinstance(self.default, bool):
                return {"1": True, "true": True, "0": False, "false": False}.get(text.lower(), self.default)
            if isinstance(self.default, int):
                return int(self._clamp(int(float(text))))
            if isinstance(self.default, float):
                value = float(text)
                if not math.isfinite(value):   # "nan", "inf": no setting a person meant
                    return self.default
                return nearest(value, self.steps) if self.steps else float(self._clamp(value))
            if self.choices is not None:
                return text if text in self.choices else self.default
            return text[:100]
        except (ValueError, OverflowError):
            return self.default

    def _clamp(self, value: float) -> float:
        if self.low is not None:
            value = max(self.low, value)
        if self.high is not None:
            value = min(self.high, value)
        return value

    def format(self, value: Any) -> str:
        if self.many:
            return ",".join(str(v) for v in value)
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)


def nearest(value: float, steps: tuple[float, ...]) -> float:
    """The step closest to ``value`` on a log scale (learning rates span decades)."""
    return min(steps, key=lambda step: abs(math.log(step) - math.log(max(value, 1e-12))))


def decode(query: Mapping[str, Any], params: tuple[Param, ...]) -> dict[str, Any]:
    """The settings a query asks for, every one valid; unknown keys are ignored."""
    return {p.name: p.parse(query.get(p.name)) for p in params}


def encode(values: Mapping[str, Any], params: tuple[Param, ...]) -> dict[str, str]:
    """Query parameters for ``values`` (those of ``params`` only)."""
    return {p.name: p.format(values[p.name]) for p in params if p.name in values}


def query_string(values: Mapping[str, Any], params: tuple[Param, ...], **extra: str) -> str:
    """``a=1&b=x`` for a link; ``extra`` (the language, say) goes first."""
    return urlencode({**extra, **encode(values, params)}, safe=",")
