"""dattn.select and dattn.backends: the library's rules (DESIGN.md, Selection) seen from Python."""

import numpy as np
import pytest

import dattn

PLATFORMS = ["cpu", "cuda", "musa"]
BACKENDS = ["sdpa", "fa", "sage_attn"]


def table():
    return {(row.platform, row.backend): row for row in dattn.backends()}


def test_table_has_every_platform_and_backend():
    rows = table()
    assert set(rows) == {(p, b) for p in PLATFORMS for b in BACKENDS}
    for row in rows.values():
        assert row.head_sizes and row.dtypes
        # An unavailable backend says why.
        assert row.available or row.reasons


def test_cpu_offers_all_three():
    rows = table()
    assert all(rows[("cpu", b)].available for b in BACKENDS)
    assert dattn.select(platform="cpu", head_size=128, dtype="bf16").backend == "fa"
    for b in BACKENDS:
        chosen = dattn.select(platform="cpu", backend=b, head_size=128, dtype="bf16", strict=True)
        assert (chosen.backend, chosen.fallback) == (b, False)


def expected(rows, platform, requested):
    """Rules 1-3, 5 and 6 of DESIGN.md, from the table's availability (head size 128 and bf16
    are in every backend's set); None: the rules end in an error."""
    def ok(b):
        return rows[(platform, b)].available

    if requested == "sdpa":
        return "sdpa" if ok("sdpa") else None
    if requested == "sage_attn" and ok("sage_attn"):
        return "sage_attn"
    if ok("fa"):
        return "fa"
    return "sdpa" if ok("sdpa") else None


@pytest.mark.parametrize("platform", ["cuda", "musa"])
@pytest.mark.parametrize("requested", ["auto", "sdpa", "fa", "sage_attn"])
def test_gpu_platform_rules_agree_with_the_table(platform, requested):
    rows = table()
    want = expected(rows, platform, requested)
    if want is None:
        with pytest.raises(RuntimeError, match=rf"no attention backend available on {platform}"):
            dattn.select(platform=platform, backend=requested)
        return
    chosen = dattn.select(platform=platform, backend=requested)
    assert chosen.platform == platform
    assert chosen.backend == want
    # A fallback is a step away from what was asked for, or, with nothing asked for, from the
    # platform default (fa): auto landing on sdpa warns too (docs/semantics.md).
    assert chosen.fallback == (want != ("fa" if requested == "auto" else requested))
    if chosen.fallback:
        assert chosen.reasons
        with pytest.raises(RuntimeError):
            dattn.select(platform=platform, backend=requested, strict=True)


def test_aliases_and_dtype_spellings():
    assert dattn.select(platform="cpu", backend="SAGE").backend == "sage_attn"
    assert dattn.select(platform="cpu", backend="flash_attn").backend == "fa"
    assert dattn.select(platform="cpu", backend="torch_sdpa").requested == "sdpa"
    assert dattn.select(platform="cpu", dtype="float16").backend == "fa"


def test_numpy_dtypes_are_understood():
    # sage_attn takes f16/bf16 only, so the backend shows which dtype the selection saw.
    for dtype in (np.float16, np.dtype("float16")):
        assert dattn.select(platform="cpu", backend="sage_attn", dtype=dtype).backend == "sage_attn"
    assert dattn.select(platform="cpu", backend="sage_attn", dtype=np.float32).backend == "fa"
    ml_dtypes = pytest.importorskip("ml_dtypes")
    assert dattn.select(platform="cpu", backend="sage_attn", dtype=ml_dtypes.bfloat16).backend == "sage_attn"


def test_unknown_names_are_value_errors():
    with pytest.raises(ValueError, match="sage_attn"):
        dattn.select(platform="cpu", backend="flashinfer")
    with pytest.raises(ValueError, match="cpu"):
        dattn.select(platform="tpu")
    with pytest.raises(ValueError, match="bf16"):
        dattn.select(platform="cpu", dtype="int8")


def test_detected_platform_is_selectable():
    assert dattn.detect_platform() in PLATFORMS
    assert dattn.select().platform == dattn.detect_platform()


def test_version():
    assert dattn.__version__.count(".") == 2


def test_strict_refuses_a_cpu_fallback(monkeypatch):
    # sage_attn takes f16/bf16 only: on f32 it falls back to fa, which strict refuses, whether
    # asked by the argument or by DATTN_STRICT.
    monkeypatch.delenv("DATTN_STRICT", raising=False)
    assert dattn.select(platform="cpu", backend="sage", dtype="f32").fallback
    with pytest.raises(RuntimeError, match=r"requested sage_attn -> chosen fa"):
        dattn.select(platform="cpu", backend="sage", dtype="f32", strict=True)
    monkeypatch.setenv("DATTN_STRICT", "1")
    with pytest.raises(RuntimeError, match=r"fallback refused"):
        dattn.select(platform="cpu", backend="sage", dtype="f32")
