"""dattn.select and dattn.backends: the library's decisions and table, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from . import _dattn


@dataclass(frozen=True)
class Selection:
    """What runs for a request and why (every rule that fired, with remedies)."""

    platform: str
    requested: str
    backend: str
    fallback: bool
    reasons: Tuple[str, ...]


@dataclass(frozen=True)
class BackendRow:
    """One row of the backend × platform table (``dattn backends`` prints the same)."""

    platform: str
    backend: str
    available: bool
    reasons: Tuple[str, ...]
    head_sizes: str
    dtypes: str


def dtype_name(dtype) -> str:
    """'f32'/'f16'/'bf16' for a torch or NumPy dtype; strings pass to the library's parser."""
    if isinstance(dtype, str):
        return dtype
    try:
        name = np.dtype(dtype).name  # np.float16, np.dtype("f2"), ml_dtypes.bfloat16
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]  # "torch.bfloat16" -> "bfloat16"
    return {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}.get(name, name)


def selection_of(raw) -> Selection:
    platform, requested, backend, fallback, reasons = raw
    return Selection(platform, requested, backend, fallback, tuple(reasons))


def select(platform: Optional[str] = None, backend: Optional[str] = None, head_size: int = 128,
           dtype="bf16", strict: bool = False, device_index: int = 0) -> Selection:
    """The backend that would run, without running it.

    Args:
        platform: "cpu", "cuda" or "musa"; None detects it (DATTN_PLATFORM, else the first
            of cuda, musa, cpu present).
        backend: requested name or alias; None or "auto" for the default.
        head_size: D.
        dtype: "f32", "f16", "bf16" (or "float32", ..., or a torch/NumPy dtype).
        strict: a fallback raises RuntimeError; when False, DATTN_STRICT decides.
        device_index: which GPU.

    Raises:
        ValueError: unknown or invalid name.
        RuntimeError: strict mode refused a fallback, or nothing can run.
    """
    return selection_of(_dattn.select(platform, backend or "", int(head_size), dtype_name(dtype),
                                      bool(strict), int(device_index)))


def backends() -> List[BackendRow]:
    """The backend table for this build and machine: one row per platform × backend."""
    return [BackendRow(p, b, avail, tuple(reasons), heads, dtypes)
            for p, b, avail, reasons, heads, dtypes in _dattn.backend_table()]


def detect_platform() -> str:
    """The platform dattn runs on by default: "cpu", "cuda" or "musa"."""
    return _dattn.detect_platform()
