"""Random test inputs in every dtype and layout, including non-contiguous views."""

import numpy as np
import pytest

try:
    import ml_dtypes
except ImportError:  # NumPy has no bfloat16 of its own
    ml_dtypes = None

needs_ml_dtypes = pytest.mark.skipif(ml_dtypes is None, reason="bfloat16 NumPy arrays need ml_dtypes")

DTYPES = [
    pytest.param("float32", id="f32"),
    pytest.param("float16", id="f16"),
    pytest.param("bfloat16", id="bf16", marks=needs_ml_dtypes),
]


def np_dtype(name):
    return ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)


def shaped(batch, heads, seq, dim, layout):
    return (batch, heads, seq, dim) if layout == "HND" else (batch, seq, heads, dim)


def randn(rng, shape, dtype, *, contiguous=True):
    """Gaussian data in `dtype`; non-contiguous views pad the head dim and reverse-permute the
    storage of the middle dims, so every stride differs from the packed one."""
    if contiguous:
        return rng.standard_normal(shape).astype(np_dtype(dtype))
    b, x, y, d = shape
    storage = rng.standard_normal((b, y, x, d + 8)).astype(np_dtype(dtype))
    return storage[..., :d].transpose(0, 2, 1, 3)
