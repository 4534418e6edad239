// Host buffers for small attention problems: q, k, v, out (and lse) over one allocation per
// tensor, in either layout, with optional padding so that views are not contiguous.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dattn/dattn.h"

namespace dattn::test {

inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);  // round to nearest even
}

struct Shape {
  int64_t batch = 2, heads_q = 4, heads_kv = 2, seq_q = 17, seq_kv = 33, head_dim = 64;
};

// One operand: storage plus a Tensor view into it. `pad` extra elements per token row make the
// seq stride larger than the row, so the view is not contiguous.
struct Operand {
  std::vector<uint8_t> bytes;
  Tensor t;
};

inline Operand make_operand(DType dtype, Layout layout, int64_t b, int64_t h, int64_t s, int64_t d,
                            int64_t pad, std::mt19937_64& rng) {
  Operand o;
  const int64_t row = d + pad;
  const std::array<int64_t, 4> shape =
      layout == Layout::HND ? std::array<int64_t, 4>{b, h, s, d} : std::array<int64_t, 4>{b, s, h, d};
  // Storage order always follows the layout's dims, with padded rows.
  const std::array<int64_t, 4> strides{shape[1] * shape[2] * row, shape[2] * row, row, 1};
  const int64_t n = b * h * s * row;
  const std::size_t elem = dtype_size(dtype);
  o.bytes.resize(static_cast<std::size_t>(n) * elem);
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < n; ++i) {
    const float x = normal(rng);
    if (dtype == DType::f32) std::memcpy(o.bytes.data() + i * 4, &x, 4);
    else {
      const uint16_t h16 = to_bf16(x);  // only bf16 is used among the 16-bit types here
      std::memcpy(o.bytes.data() + i * 2, &h16, 2);
    }
  }
  o.t.data = o.bytes.data();
  o.t.dtype = dtype;
  o.t.shape = shape;
  o.t.strides = strides;
  return o;
}

struct Problem {
  Operand q, k, v, out;
  std::vector<float> lse_storage;
  Tensor lse;
  Options options;
  Shape shape;
};

inline Problem make_problem_data(Shape s, DType dtype, Layout layout, uint64_t seed,
                                 int64_t pad = 0) {
  std::mt19937_64 rng(seed);
  Problem p;
  p.shape = s;
  p.options.layout = layout;
  p.q = make_operand(dtype, layout, s.batch, s.heads_q, s.seq_q, s.head_dim, pad, rng);
  p.k = make_operand(dtype, layout, s.batch, s.heads_kv, s.seq_kv, s.head_dim, pad, rng);
  p.v = make_operand(dtype, layout, s.batch, s.heads_kv, s.seq_kv, s.head_dim, pad, rng);
  p.out = make_operand(dtype, layout, s.batch, s.heads_q, s.seq_q, s.head_dim, pad, rng);
  p.lse_storage.assign(static_cast<std::size_t>(s.batch * s.heads_q * s.seq_q), 0.0f);
  p.lse = contiguous_tensor(p.lse_storage.data(), DType::f32, {s.batch, s.heads_q, s.seq_q, 1});
  return p;
}

inline uint64_t fresh_seed() { return std::random_device{}() * 0x9E3779B97F4A7C15ull + 1; }

}  // namespace dattn::test
