"""dattn: attention for diffusion transformers, from Python.

    import dattn
    out = dattn.attention(q, k, v, backend="sage_attn")     # torch, NumPy or any DLPack
    out = dattn.sageattn(q, k, v, tensor_layout="NHD")      # SageAttention's signature
    with dattn.sdpa_routing():                               # F.scaled_dot_product_attention
        ...                                                  #   runs dattn in this block
    dattn.select(backend="sage", head_size=64)              # what would run, and why
    dattn.backends()                                        # availability with reasons
"""

from ._attention import attention, sageattn
from ._dattn import version as _version
from ._select import BackendRow, Selection, backends, detect_platform, select
from ._torch_routing import patch_sdpa, sdpa_routing

__version__ = _version()

__all__ = [
    "BackendRow",
    "Selection",
    "attention",
    "backends",
    "detect_platform",
    "patch_sdpa",
    "sageattn",
    "sdpa_routing",
    "select",
]
