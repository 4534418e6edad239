"""A small attention module written the way diffusers writes its transformer blocks: linear
projections, a head split, F.scaled_dot_product_attention, a head merge, an output projection."""

import torch.nn.functional as F
from torch import nn


class DiTAttention(nn.Module):
    def __init__(self, dim, heads, kv_heads=None):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads or heads
        self.head_dim = dim // heads
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(dim, self.kv_heads * self.head_dim)
        self.to_v = nn.Linear(dim, self.kv_heads * self.head_dim)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, hidden_states, encoder_hidden_states=None, attention_mask=None):
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        batch = hidden_states.shape[0]
        q = self.to_q(hidden_states).view(batch, -1, self.heads, self.head_dim).transpose(1, 2)
        k = self.to_k(context).view(batch, -1, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.to_v(context).view(batch, -1, self.kv_heads, self.head_dim).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask, dropout_p=0.0,
                                             is_causal=False,
                                             enable_gqa=self.kv_heads != self.heads)
        out = out.transpose(1, 2).reshape(batch, -1, self.heads * self.head_dim)
        return self.to_out(out)
