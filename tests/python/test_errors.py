"""Bad input raises ValueError carrying the library's message; refusals raise RuntimeError."""

import numpy as np
import pytest

import dattn


def arrays(rng, *shapes, dtype=np.float32):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def test_wrong_rank_names_the_argument(rng):
    q, k, v = arrays(rng, (2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"q: expected a 4-D tensor.*got 3-D"):
        dattn.attention(q, k, v)


def test_unsupported_dtype(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64), dtype=np.float64)
    with pytest.raises(ValueError, match=r"q: expected float32, float16 or bfloat16"):
        dattn.attention(q, k, v)


def test_mixed_dtypes(rng):
    q, k = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64))
    v = rng.standard_normal((1, 2, 16, 64)).astype(np.float16)
    with pytest.raises(ValueError, match=r"\bv\b"):
        dattn.attention(q, k, v)


def test_heads_not_a_multiple(rng):
    q, k, v = arrays(rng, (1, 3, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"head"):
        dattn.attention(q, k, v)


def test_head_dim_mismatch(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 32), (1, 2, 16, 32))
    with pytest.raises(ValueError):
        dattn.attention(q, k, v)


def test_non_contiguous_head_dim(rng):
    q, k, v = arrays(rng, (1, 2, 16, 128), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"q"):
        dattn.attention(q[..., ::2], k, v)


def test_out_of_the_wrong_shape(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"out"):
        dattn.attention(q, k, v, out=np.empty((1, 2, 15, 64), np.float32))


def test_read_only_out_is_refused(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    out = np.empty_like(q)
    out.flags.writeable = False
    with pytest.raises(ValueError, match=r"out: the array is read-only"):
        dattn.attention(q, k, v, out=out)


def test_unknown_backend_lists_valid_names(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"xformers") as error:
        dattn.attention(q, k, v, backend="xformers")
    for name in ("sdpa", "fa", "sage_attn"):
        assert name in str(error.value)


def test_bad_layout(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"layout.*HND.*NHD"):
        dattn.attention(q, k, v, layout="BHSD")


def test_bad_sage_pv(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64), dtype=np.float16)
    with pytest.raises(ValueError, match=r"fp8"):
        dattn.attention(q, k, v, backend="sage_attn", sage_pv="int4")


def test_mixed_frameworks(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=r"k: expected a numpy.ndarray"):
        dattn.attention(q, k.tolist(), v)


def test_not_a_tensor():
    with pytest.raises(ValueError, match=r"q: expected"):
        dattn.attention([1.0], [1.0], [1.0])


def test_mismatched_bfloat16_names_the_argument(rng):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64), dtype=np.float16)
    with pytest.raises(ValueError, match=r"k: dtype bfloat16 differs from q's float16"):
        dattn.attention(q, k.astype(ml_dtypes.bfloat16), v)
    with pytest.raises(ValueError, match=r"out: dtype bfloat16 differs from q's float32"):
        q32 = q.astype(np.float32)
        dattn.attention(q32, k.astype(np.float32), v.astype(np.float32),
                        out=np.empty(q.shape, ml_dtypes.bfloat16))


def test_foreign_byte_order_names_the_argument(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    swapped = v.astype(v.dtype.newbyteorder("S"))
    with pytest.raises(ValueError, match=r"v: dtype [<>]f4 is not in this machine's byte order"):
        dattn.attention(q, k, swapped)


def test_misaligned_data_is_refused(rng):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    raw = np.zeros(q.nbytes + 4, np.uint8)
    shifted = np.ndarray(q.shape, np.float32, buffer=raw, offset=1)  # one byte off float alignment
    shifted[...] = q
    with pytest.raises(ValueError, match=r"q.data must be aligned to its element size \(4 bytes"):
        dattn.attention(shifted, k, v)


@pytest.mark.parametrize("kwargs, message", [
    ({"backend": 5}, r"backend: expected a name \(str\) or None, got int"),
    ({"sage_pv": 1}, r"sage_pv: expected a name \(str\) or None, got int"),
    ({"sm_scale": "abc"}, r"sm_scale: expected a number or None, got str"),
    ({"sm_scale": 1e-50}, r"sm_scale: 1e-50 is outside float32's range"),
    ({"sm_scale": 1e40}, r"sm_scale: 1e\+40 is outside float32's range"),
    ({"sm_scale": -1.0}, r"sm_scale: expected a finite number > 0, got -1.0"),
])
def test_options_of_the_wrong_kind_name_the_argument(rng, kwargs, message):
    q, k, v = arrays(rng, (1, 2, 16, 64), (1, 2, 16, 64), (1, 2, 16, 64))
    with pytest.raises(ValueError, match=message):
        dattn.attention(q, k, v, **kwargs)
