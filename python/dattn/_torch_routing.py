"""Routing torch.nn.functional.scaled_dot_product_attention through dattn in a ``with``
block, for models (diffusers and the like) that call it and that one does not want to edit."""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import logging
import threading
from typing import Iterator, Optional, Tuple

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


def _sdpa_signature(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *,
                    scale=None, enable_gqa=False):
    """PyTorch's signature (scale and enable_gqa keyword-only), for binding the caller's
    arguments the way PyTorch would."""


_SIGNATURE = inspect.signature(_sdpa_signature)
_DTYPES = ("float32", "float16", "bfloat16")


def _compiling(torch) -> bool:
    compiler = getattr(torch, "compiler", None)
    return bool(compiler is not None and getattr(compiler, "is_compiling", lambda: False)())


def _why_not(torch, a) -> Optional[str]:
    """The reason dattn must hand this call back to PyTorch, or None when dattn does it."""
    q, k, v = a["query"], a["key"], a["value"]
    if not all(isinstance(t, torch.Tensor) for t in (q, k, v)):
        return "query, key and value are not all tensors"
    # Subclasses (FakeTensor, DTensor, functorch wrappers) and nested tensors cannot cross
    # DLPack; plain dense tensors (and Parameters) can.
    if not all((type(t) is torch.Tensor or isinstance(t, torch.nn.Parameter))
               and t.layout == torch.strided and not t.is_nested for t in (q, k, v)):
        return "tensor subclasses, nested or non-strided tensors (dattn takes plain dense tensors)"
    if _compiling(torch):
        return "torch.compile is tracing (dattn's call is opaque to it)"
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


# One wrapper is installed while any block is open, however many blocks (nested, or in several
# threads) are; each block's settings live in a context variable, so a call uses the settings of
# the innermost block of its own thread (or asyncio task) and a call from anywhere else goes to
# PyTorch as if nothing were installed. Blocks that overlap in any order therefore leave
# PyTorch's function in place once the last one ends.
_Settings = Tuple[Optional[str], bool]  # (backend, strict)
_settings: contextvars.ContextVar[Optional[_Settings]] = contextvars.ContextVar(
    "dattn_sdpa_routing", default=None)
_install_lock = threading.Lock()
_open_blocks = 0
_pytorch_sdpa = None  # the function under the wrapper: where calls are handed on
_restore_to = None  # what F.scaled_dot_product_attention holds again when the last block ends
_wrapped_over = False  # the last block ended under another library's wrapper, which calls ours
# True while the wrapper hands a call on: a wrapper that another library installed over ours
# and that calls ours would otherwise bring the call back here for ever.
_handing_on: contextvars.ContextVar[bool] = contextvars.ContextVar("dattn_sdpa_handing_on",
                                                                   default=False)


def _hand_on(*args, **kwargs):
    """The call as PyTorch (or whatever was installed before dattn) would make it."""
    import torch

    if _handing_on.get():
        return torch._C._nn.scaled_dot_product_attention(*args, **kwargs)
    token = _handing_on.set(True)
    try:
        return _pytorch_sdpa(*args, **kwargs)
    finally:
        _handing_on.reset(token)


def _routed(*args, **kwargs):
    import torch

    settings = _settings.get()
    if settings is None or _handing_on.get():
        return _hand_on(*args, **kwargs)
    backend, strict = settings
    try:
        bound = _SIGNATURE.bind(*args, **kwargs)
    except TypeError:
        return _hand_on(*args, **kwargs)  # PyTorch gives the proper error
    bound.apply_defaults()
    a = bound.arguments
    reason = _why_not(torch, a)
    q = a["query"]
    if reason is None:
        try:
            chosen = select(platform=q.device.type, backend=backend, head_size=q.shape[3],
                            dtype=q.dtype, strict=strict, device_index=q.device.index or 0)
            out = attention(q, a["key"], a["value"], layout="HND", is_causal=a["is_causal"],
                            sm_scale=a["scale"], backend=backend, strict=strict)
        except (ValueError, RuntimeError) as error:
            # What the library refuses (a head size, a grid limit, a misaligned row under a
            # strict policy) goes to PyTorch unless the block asked for dattn or an error.
            if strict:
                raise
            reason = str(error)
        else:
            _log_once(logging.INFO, f"dattn.sdpa_routing: scaled_dot_product_attention on "
                      f"{q.device}, head_dim {q.shape[3]}, {q.dtype} runs dattn "
                      f"{chosen.backend}")
            return out
    _log_once(logging.WARNING,
              f"dattn.sdpa_routing: scaled_dot_product_attention handed back to PyTorch: {reason}")
    return _hand_on(*args, **kwargs)


@contextlib.contextmanager
def sdpa_routing(backend: Optional[str] = None, *, strict: bool = False) -> Iterator[None]:
    """Route ``torch.nn.functional.scaled_dot_product_attention`` through dattn inside a
    ``with`` block::

        with dattn.sdpa_routing(backend="sage_attn"):
            image = pipe(prompt).images[0]

    Calls dattn cannot do exactly as PyTorch would go to PyTorch unchanged, each reason
    logged once (logger "dattn", WARNING): attn_mask, dropout_p > 0, autograd, dtypes other
    than float32/float16/bfloat16, devices other than CPU/CUDA, non-4-D inputs, mismatched
    head dims, GQA without enable_gqa, causal with Sq != Sk, tensor subclasses and nested
    tensors, tracing by torch.compile, and what the library refuses (e.g. an unsupported head
    size). With ``strict=True`` a refusal by the library raises instead of handing back.

    The attribute of ``torch.nn.functional`` is replaced while any block is open, so the
    routing reaches code that calls ``F.scaled_dot_product_attention`` but not code that
    imported the function itself beforehand. It applies to calls made in the block's own
    thread (or asyncio task), innermost block first; other threads keep PyTorch's behaviour.
    Blocks may nest and overlap across threads; PyTorch's function is back when the last ends.
    """
    import torch.nn.functional as F

    global _open_blocks, _pytorch_sdpa, _restore_to, _wrapped_over
    with _install_lock:
        if _open_blocks == 0:
            current = F.scaled_dot_product_attention
            if current is _routed:  # left in place by a wrapper's owner who put ours back
                _restore_to = _pytorch_sdpa
            elif _wrapped_over:  # that wrapper calls ours: hand on beneath it, not to it
                _restore_to = current
            else:
                _restore_to = _pytorch_sdpa = current
            F.scaled_dot_product_attention = _routed
        _open_blocks += 1
    token = _settings.set((backend, strict))
    try:
        yield
    finally:
        try:
            _settings.reset(token)
        except ValueError:
            pass  # left in another context (an async fixture's teardown): its value is its own
        finally:
            with _install_lock:
                _open_blocks -= 1
                if _open_blocks == 0:
                    # A wrapper another library installed over ours stays: it calls ours,
                    # which now hands every call on.
                    if F.scaled_dot_product_attention is _routed:
                        F.scaled_dot_product_attention = _restore_to
                        _wrapped_over = _restore_to is not _pytorch_sdpa
                    else:
                        _wrapped_over = True


patch_sdpa = sdpa_routing
