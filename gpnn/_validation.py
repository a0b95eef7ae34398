"""Argument checks shared by the public functions.

Every message names the argument and repeats the value it got, in the style of
`scipy.stats`: `"Argument 'eta' must be a positive finite number, but eta = -1.0."`
Private helpers elsewhere in the package assume their input already passed here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray


def _show(value: Any) -> str:
    """Short `repr` of a value for an error message."""
    if isinstance(value, np.ndarray | torch.Tensor):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_real(
    name: str, value: Any, *, positive: bool = False, nonnegative: bool = False, allow_nan: bool = False
) -> float:
    """Return `value` as a float after checking it is a finite real number (or NaN, if allowed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument '{name}' must be a real number, but {name} = {_show(value)}.")
    number = float(value)
    if allow_nan and math.isnan(number):
        return number
    if not math.isfinite(number):
        raise ValueError(f"Argument '{name}' must be finite, but {name} = {number!r}.")
    if positive and not number > 0:
        raise ValueError(f"Argument '{name}' must be a positive finite number, but {name} = {number!r}.")
    if nonnegative and number < 0:
        raise ValueError(f"Argument '{name}' must be non-negative, but {name} = {number!r}.")
    return number


def check_int(name: str, value: Any, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Return `value` as an int after checking `minimum <= value <= maximum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Argument '{name}' must be an integer, but {name} = {_show(value)}.")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"Argument '{name}' must be at least {minimum}{upper}, but {name} = {number}.")
    return number


def check_seed(name: str, value: Any) -> int | None:
    """Return a seed: `None` or an integer in `[0, 2**32 - 1]`."""
    if value is None:
        return None
    return check_int(name, value, minimum=0, maximum=2**32 - 1)


def check_sizes(name: str, value: Any) -> tuple[int, ...]:
    """Return a non-empty tuple of positive layer sizes."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"Argument '{name}' must be a sequence of positive integers, but {name} = {_show(value)}.")
    if len(value) == 0:
        raise ValueError(f"Argument '{name}' must hold at least one layer size, but {name} = {_show(value)}.")
    for size in value:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                f"Argument '{name}' must hold positive integers only, but {name} = {_show(value)} contains {size!r}."
            )
    return tuple(int(size) for size in value)


def check_vector(name: str, value: Any, *, min_length: int = 1, allow_nan: bool = False) -> NDArray[np.float64]:
    """Return `value` as a finite 1-D float64 array of at least `min_length` values.

    With `allow_nan`, NaN may stand for a missing value; infinities are still refused.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Argument '{name}' must be a 1-D array of numbers, but {name} = {_show(value)}.") from error
    if array.ndim != 1:
        raise ValueError(f"Argument '{name}' must be 1-D, but {name}.shape = {array.shape}.")
    if array.size < min_length:
        raise ValueError(
            f"Argument '{name}' must hold at least {min_length} value(s), but {name}.shape = {array.shape}."
        )
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        allowed = "finite values or NaN" if allow_nan else "finite values"
        raise ValueError(f"Argument '{name}' must hold {allowed} only, but {name}[{index}] = {float(array[index])!r}.")
    return array


def check_same_length(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Raise unless `len(a) == len(b)`."""
    if len(a) != len(b):
        raise ValueError(
            f"Arguments '{name_a}' and '{name_b}' must have the same length, "
            f"but len({name_a}) = {len(a)} and len({name_b}) = {len(b)}."
        )


def check_tensor(name: str, value: Any, *, ndim: int | None = None) -> torch.Tensor:
    """Return `value` after checking it is a floating-point tensor with finite values."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"Argument '{name}' must be a torch.Tensor, but {name} = {_show(value)}.")
    if not value.is_floating_point():
        raise TypeError(f"Argument '{name}' must be a floating-point tensor, but {name}.dtype = {value.dtype}.")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"Argument '{name}' must be {ndim}-D, but {name}.shape = {tuple(value.shape)}.")
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"Argument '{name}' must hold finite values only, but it holds NaN or inf.")
    return value
