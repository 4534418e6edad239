"""Framework adapters: what the binding layer needs from a tensor of PyTorch, NumPy or any
other DLPack producer, and outputs allocated by the caller's own framework (so the result
comes back as the caller's tensor type, and the library writes into it without a copy)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

_LAYOUTS = ("HND", "NHD")


def _torch():
    # torch is never imported by dattn itself: a tensor can only be a torch tensor if the
    # caller already imported torch.
    return sys.modules.get("torch")


def is_torch_tensor(x: Any) -> bool:
    torch = _torch()
    return torch is not None and isinstance(x, torch.Tensor)


def _is_numpy_bfloat16(x: Any) -> bool:
    # ml_dtypes' bfloat16 is a NumPy extension dtype named "bfloat16"; NumPy's DLPack export
    # refuses it, so its bits travel as uint16.
    return isinstance(x, np.ndarray) and x.dtype.name == "bfloat16"


@dataclass
class Prepared:
    """Operands ready for the binding layer, with the output buffers the library fills."""

    q: Any
    k: Any
    v: Any
    out: Any  # what the caller gets back
    out_view: Any  # what the library writes (out itself, or its uint16 view)
    lse: Optional[Any]
    stream: int
    bf16_bits: bool


def check_layout(layout: str) -> str:
    if not isinstance(layout, str) or layout.upper() not in _LAYOUTS:
        raise ValueError(f"layout: expected 'HND' or 'NHD', got {layout!r}")
    return layout.upper()


def lse_shape(q_shape, layout: str):
    batch, a, b = q_shape[0], q_shape[1], q_shape[2]
    return (batch, a, b) if layout == "HND" else (batch, b, a)


def _prepare_torch(q, k, v, out, layout, return_lse) -> Prepared:
    torch = _torch()
    for name, t in (("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"{name}: expected a torch.Tensor like q, got {type(t).__name__}")
    # No backward exists, so the result never carries a graph; detaching is what lets
    # DLPack export a tensor that requires grad.
    q, k, v = q.detach(), k.detach(), v.detach()
    if out is None:
        out = torch.empty_like(q)
    elif not isinstance(out, torch.Tensor):
        raise ValueError(f"out: expected a torch.Tensor like q, got {type(out).__name__}")
    lse = None
    if return_lse:
        lse = torch.empty(lse_shape(q.shape, layout), dtype=torch.float32, device=q.device)
    stream = 0
    if q.device.type == "cuda":
        stream = torch.cuda.current_stream(q.device).cuda_stream
    return Prepared(q, k, v, out, out.detach(), lse, stream, False)


def _prepare_numpy(q, k, v, out, layout, return_lse) -> Prepared:
    for name, t in (("k", k), ("v", v)):
        if not isinstance(t, np.ndarray):
            raise ValueError(f"{name}: expected a numpy.ndarray like q, got {type(t).__name__}")
    if out is None:
        out = np.empty_like(q)
    elif not isinstance(out, np.ndarray):
        raise ValueError(f"out: expected a numpy.ndarray like q, got {type(out).__name__}")
    elif not out.flags.writeable:
        raise ValueError("out: the array is read-only")
    # Checked here, not by the binding: its overloads would refuse these with a message that
    # names no argument.
    for name, t in (("q", q), ("k", k), ("v", v), ("out", out)):
        if not t.dtype.isnative:
            raise ValueError(f"{name}: dtype {t.dtype.str} is not in this machine's byte order; "
                             f"convert it with {name}.astype({name}.dtype.newbyteorder('='))")
    for name, t in (("k", k), ("v", v), ("out", out)):
        if t.dtype != q.dtype:
            raise ValueError(f"{name}: dtype {t.dtype} differs from q's {q.dtype}")
    lse = np.empty(lse_shape(q.shape, layout), dtype=np.float32) if return_lse else None
    if _is_numpy_bfloat16(q):
        return Prepared(q.view(np.uint16), k.view(np.uint16), v.view(np.uint16), out,
                        out.view(np.uint16), lse, 0, True)
    return Prepared(q, k, v, out, out, lse, 0, False)


def _prepare_dlpack(q, k, v, out, layout, return_lse) -> Prepared:
    if not hasattr(q, "__dlpack__"):
        raise ValueError(
            f"q: expected a torch.Tensor, a numpy.ndarray or an object with __dlpack__, "
            f"got {type(q).__name__}")
    namespace = getattr(q, "__array_namespace__", None)
    if namespace is None and (out is None or return_lse):
        raise ValueError(
            f"out: {type(q).__name__} does not implement the array API (__array_namespace__), "
            f"so dattn cannot allocate its output; pass out= (and no return_lse)")
    if namespace is not None:
        xp = namespace()
        if out is None:
            out = xp.empty(q.shape, dtype=q.dtype, device=q.device)
        lse = (xp.empty(lse_shape(q.shape, layout), dtype=xp.float32, device=q.device)
               if return_lse else None)
    else:
        lse = None
    return Prepared(q, k, v, out, out, lse, 0, False)


def prepare(q, k, v, out, layout: str, return_lse: bool) -> Prepared:
    if is_torch_tensor(q):
        return _prepare_torch(q, k, v, out, layout, return_lse)
    if isinstance(q, np.ndarray):
        return _prepare_numpy(q, k, v, out, layout, return_lse)
    return _prepare_dlpack(q, k, v, out, layout, return_lse)
