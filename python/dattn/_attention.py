"""dattn.attention and the SageAttention-compatible dattn.sageattn."""

from __future__ import annotations

import logging
import math
import numbers
from typing import Any, Optional

import numpy as np

from . import _dattn
from ._arrays import check_layout, prepare

logger = logging.getLogger("dattn")


def sm_scale_problem(sm_scale) -> Optional[str]:
    """Why the library cannot take sm_scale (it takes a float32 > 0), or None."""
    if sm_scale is None:
        return None
    if isinstance(sm_scale, bool) or not isinstance(sm_scale, numbers.Real):
        return f"expected a number or None, got {type(sm_scale).__name__}"
    value = float(sm_scale)
    if not (math.isfinite(value) and value > 0):
        return f"expected a finite number > 0, got {sm_scale!r}"
    # The library takes a float32: a value that would round to 0 or to infinity there is refused.
    if value > float(np.finfo(np.float32).max) or float(np.float32(value)) == 0:
        return f"{sm_scale!r} is outside float32's range"
    return None


def _check_options(sm_scale, backend, sage_pv) -> None:
    problem = sm_scale_problem(sm_scale)
    if problem:
        raise ValueError(f"sm_scale: {problem}")
    for name, value in (("backend", backend), ("sage_pv", sage_pv)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name}: expected a name (str) or None, got {type(value).__name__}")


def attention(q, k, v, *, layout: str = "HND", is_causal: bool = False,
              sm_scale: Optional[float] = None, return_lse: bool = False,
              backend: Optional[str] = None, strict: bool = False, out=None,
              sage_pv: Optional[str] = None):
    """Attention ``softmax(q·kᵀ·sm_scale)·v`` on the tensors' own device, zero copy.

    Args:
        q: [B, Hq, Sq, D] (layout "HND") or [B, Sq, Hq, D] ("NHD"). A torch.Tensor (CPU or
            CUDA), a numpy.ndarray, or any object with ``__dlpack__``. float32, float16 or
            bfloat16 (for NumPy: ml_dtypes.bfloat16). Any strides with a contiguous last dim.
        k, v: [B, Hkv, Sk, D] (or [B, Sk, Hkv, D]), same framework, device and dtype as q;
            Hq must be a multiple of Hkv (grouped-query attention: query head h reads
            key/value head h // (Hq // Hkv)).
        layout: "HND" or "NHD", for all of q, k, v and out.
        is_causal: mask keys after the query. When Sq != Sk the mask is bottom-right
            aligned: query i sees keys j <= i + Sk - Sq (PyTorch aligns top-left).
        sm_scale: scale of the scores; default 1/sqrt(D).
        return_lse: also return the natural-log log-sum-exp of the scaled scores, float32
            [B, Hq, Sq] in the same framework and device.
        backend: "sdpa", "fa", "sage_attn" or an alias (see DESIGN); None or "auto" takes
            DATTN_ATTENTION_BACKEND, else the platform's default.
        strict: turn a fallback to another backend into a RuntimeError; when False the
            environment's DATTN_STRICT decides (default: warn once and go on).
        out: optional output tensor (shape, dtype and device of q) to write into.
        sage_pv: sage_attn's P·V precision, "fp8" or "f16"; None: automatic (fp8 on GPUs
            with FP8 tensor cores, f16 elsewhere).

    Returns:
        out, or (out, lse) when return_lse; in q's framework (torch in, torch out). No
        autograd: the result carries no gradient.

    Raises:
        ValueError: malformed arguments (shapes, dtypes, devices, names), with the reason.
        RuntimeError: no backend can run it, or strict mode refused a fallback.

    CUDA tensors from PyTorch run on PyTorch's current stream, asynchronously.
    """
    layout = check_layout(layout)
    _check_options(sm_scale, backend, sage_pv)
    p = prepare(q, k, v, out, layout, return_lse)
    _dattn.attention(p.q, p.k, p.v, p.out_view, p.lse, layout, bool(is_causal),
                     None if sm_scale is None else float(sm_scale), backend or "", bool(strict),
                     sage_pv, p.stream, p.bf16_bits)
    return (p.out, p.lse) if return_lse else p.out


def sageattn(q, k, v, tensor_layout: str = "HND", is_causal: bool = False,
             sm_scale: Optional[float] = None, return_lse: bool = False, **kwargs: Any):
    """Drop-in for SageAttention's ``sageattn``: ``from dattn import sageattn``.

    Same signature and semantics: q [B, Hq, Sq, D] for ``tensor_layout="HND"``,
    [B, Sq, Hq, D] for "NHD"; k and v alike with Hkv heads; output in q's dtype and shape;
    with ``return_lse``, also the natural-log LSE [B, Hq, Sq] float32. Runs dattn's
    ``sage_attn`` backend (INT8 Q·Kᵀ with K smoothing, FP8 or FP16 P·V); where it cannot run,
    the usual fallback rules apply and say why in the log.

    SageAttention defines ``is_causal`` only for Sq == Sk; for Sq != Sk dattn aligns the mask
    bottom-right. Extra keyword arguments (SageAttention's kernel-specific options) are
    accepted and ignored.
    """
    if kwargs:
        logger.debug("dattn.sageattn ignores keyword arguments %s", sorted(kwargs))
    return attention(q, k, v, layout=tensor_layout, is_causal=is_causal, sm_scale=sm_scale,
                     return_lse=return_lse, backend="sage_attn")
