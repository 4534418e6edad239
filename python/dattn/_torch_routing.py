"""Routing torch.nn.functional.scaled_dot_product_attention through dattn in a ``with``
block, for models (diffusers and the like) that call it and that one does not want to edit."""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
from typing import Iterator, Optional

from ._attention import attention, sm_scale_problem
from ._select import select

logger = logging.getLogger("dattn")

_logged_lock = threading.Lock()
_logged: set = set()


def _log_once(level: int, message: str) -> None:
    with _logged_lock:
        if message in _logged:
            return
        _logged.add(message)
    logger.log(level, message)


def _sdpa_signature(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                    scale=None, enable_gqa=False):
    """PyTorch's signature, for binding the caller's arguments the way PyTorch would."""


_SIGNATURE = inspect.signature(_sdpa_signature)
_DTYPES = ("float32", "float16", "bfloat16")


def _why_not(torch, a) -> Optional[str]:
    """The reason dattn must hand this call back to PyTorch, or None when dattn does it."""
    q, k, v = a["query"], a["key"], a["value"]
    if not all(isinstance(t, torch.Tensor) for t in (q, k, v)):
        return "query, key and value are not all tensors"
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        return f"{q.dim()}-D inputs (dattn takes [B, H, S, D])"
    if a["attn_mask"] is not None:
        return "attn_mask is given (dattn has no masks)"
    if a["dropout_p"] > 0:
        return "dropout_p > 0 (dattn has no dropout)"
    if torch.is_grad_enabled() and any(t.requires_grad for t in (q, k, v)):
        return "inputs require grad (dattn has no backward)"
    if len({q.dtype, k.dtype, v.dtype}) != 1 or str(q.dtype).rsplit(".", 1)[-1] not in _DTYPES:
        return f"dtypes {q.dtype}/{k.dtype}/{v.dtype} (dattn takes one of float32, float16, bfloat16)"
    if len({q.device, k.device, v.device}) != 1 or q.device.type not in ("cpu", "cuda"):
        return f"devices {q.device}/{k.device}/{v.device} (dattn takes one CPU or CUDA device)"
    if q.shape[0] != k.shape[0] or k.shape != v.shape or q.shape[3] != k.shape[3]:
        return f"shapes q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
    hq, hkv = q.shape[1], k.shape[1]
    if hq != hkv and not (a["enable_gqa"] and hq % hkv == 0):
        return f"{hq} query heads and {hkv} key/value heads without enable_gqa"
    if a["is_causal"] and q.shape[2] != k.shape[2]:
        return ("is_causal with Sq != Sk (PyTorch aligns the mask top-left, dattn "
                "bottom-right)")
    if any(t.stride(3) != 1 for t in (q, k, v)):
        return "head_dim is not contiguous"
    if q.numel() == 0 or k.numel() == 0:
        return "empty inputs (PyTorch returns an empty result)"
    problem = sm_scale_problem(a["scale"])
    if problem:
        return f"scale={a['scale']!r} ({problem}; dattn takes a float32 scale > 0)"
    return None


@contextlib.contextmanager
def sdpa_routing(backend: Optional[str] = None, *, strict: bool = False) -> Iterator[None]:
    """Route ``torch.nn.functional.scaled_dot_product_attention`` through dattn inside a
    ``with`` block::

        with dattn.sdpa_routing(backend="sage_attn"):
            image = pipe(prompt).images[0]

    Calls dattn cannot do exactly as PyTorch would go to PyTorch unchanged, each reason
    logged once (logger "dattn", WARNING): attn_mask, dropout_p > 0, autograd, dtypes other
    than float32/float16/bfloat16, devices other than CPU/CUDA, non-4-D inputs, mismatched
    head dims, GQA without enable_gqa, causal with Sq != Sk, and requests the library's
    selection refuses (e.g. an unsupported head size). With ``strict=True`` a refused
    selection raises instead of handing back.

    It replaces the attribute of ``torch.nn.functional`` for the whole process while the
    block runs, so it reaches code that calls ``F.scaled_dot_product_attention`` but not
    code that imported the function itself beforehand.
    """
    import torch
    import torch.nn.functional as F

    original = F.scaled_dot_product_attention

    def routed(*args, **kwargs):
        try:
            bound = _SIGNATURE.bind(*args, **kwargs)
        except TypeError:
            return original(*args, **kwargs)  # PyTorch gives the proper error
        bound.apply_defaults()
        a = bound.arguments
        reason = _why_not(torch, a)
        q = a["query"]
        if reason is None:
            platform = q.device.type
            try:
                chosen = select(platform=platform, backend=backend, head_size=q.shape[3],
                                dtype=q.dtype, strict=strict,
                                device_index=q.device.index or 0)
            except (ValueError, RuntimeError) as error:
                if strict:
                    raise
                reason = str(error)
            else:
                _log_once(logging.INFO, f"dattn.sdpa_routing: scaled_dot_product_attention on "
                          f"{q.device}, head_dim {q.shape[3]}, {q.dtype} runs dattn "
                          f"{chosen.backend}")
        if reason is not None:
            _log_once(logging.WARNING,
                      f"dattn.sdpa_routing: scaled_dot_product_attention handed back to "
                      f"PyTorch: {reason}")
            return original(*args, **kwargs)
        return attention(q, a["key"], a["value"], layout="HND", is_causal=a["is_causal"],
                         sm_scale=a["scale"], backend=backend, strict=strict)

    F.scaled_dot_product_attention = routed
    try:
        yield
    finally:
        F.scaled_dot_product_attention = original


patch_sdpa = sdpa_routing
