"""Weights files read safely: every way a file can be wrong becomes one typed, readable error.

A lecturer copies files from a USB stick, a download is cut off, a folder is
named like a file: ``torch.load`` and ``load_state_dict`` then raise a dozen
unrelated exceptions (``UnpicklingError``, ``EOFError``, zip ``RuntimeError``,
missing keys...). Here each becomes :class:`CheckpointError`, naming the file
and what is wrong with it, which the pages show while the other networks keep
working. A state_dict holding NaN or infinite weights is refused too: it would
print ``#1 (nan) hen``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch
from torch import nn

from demos.errors import DemoError


class CheckpointError(DemoError, ValueError):
    """A weights file that cannot be used (truncated, not a checkpoint, another architecture, NaN weights)."""


def _refused(path: Path | str, reason_key: str, reason: str, **params: object) -> CheckpointError:
    return CheckpointError(f"checkpoint.{reason_key}", "`{file}` cannot be used: " + reason, file=Path(path).name,
                           **params)


def read_state_dict(path: Path | str) -> dict[str, torch.Tensor]:
    """The tensors of a state_dict file, loaded with ``weights_only=True`` (no code runs from the file).

    Raises :class:`CheckpointError` for a folder, an empty, truncated or damaged file, a file that
    is no PyTorch checkpoint or holds no state_dict; ``FileNotFoundError`` when it is not there.
    """
    path = Path(path)
    if path.is_dir():
        raise _refused(path, "folder", "it is a folder, not a file.")
    if path.is_file() and path.stat().st_size == 0:
        raise _refused(path, "empty", "the file is empty (an interrupted copy or download?).")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except (EOFError, RuntimeError) as error:   # a zip archive or pickle stream cut short
        raise _refused(path, "truncated", "the file is truncated or damaged ({detail}).",
                       detail=_first_line(error)) from error
    except Exception as error:   # pickle, zip and weights_only refusals have no common base class
        raise _refused(path, "not_weights", "it is not a PyTorch weights file ({detail}).",
                       detail=_first_line(error)) from error
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]     # a training checkpoint that wraps its weights
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise _refused(path, "not_weights", "it is not a PyTorch weights file ({detail}).",
                       detail=f"it holds a {type(state).__name__}, not named tensors")
    return dict(state)


def load_weights(module: nn.Module, path: Path | str, state: Mapping[str, torch.Tensor] | None = None) -> nn.Module:
    """``module`` with the weights of ``path`` (or ``state``, read from it already), every tensor checked.

    Raises :class:`CheckpointError` when the file is for another architecture (missing or
    unexpected keys, other shapes) or holds NaN or infinite values.
    """
    state = read_state_dict(path) if state is None else state
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong_shape:
        detail = "; ".join(part for part in (
            f"missing {_some(missing)}" if missing else "", f"unexpected {_some(unexpected)}" if unexpected else "",
            f"other shapes for {_some(wrong_shape)}" if wrong_shape else "") if part)
        raise _refused(path, "architecture", "its weights are for another network ({detail}).", detail=detail)
    broken = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if broken:
        raise _refused(path, "not_finite", "it holds NaN or infinite weights ({detail}).", detail=_some(broken))
    module.load_state_dict(state)
    return module


def _some(keys: list[str], shown: int = 3) -> str:
    return ", ".join(keys[:shown]) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:160]}" if text else type(error).__name__
