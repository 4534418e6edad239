#include "support/host_problem.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "cpu/convert.h"

namespace dattn::test {
namespace {

constexpr int64_t kPadHeads = 1, kPadTokens = 3, kPadChannels = 8;
constexpr int64_t kSliceHead = 1, kSliceToken = 2, kSliceChannel = 4;  // where the view starts
constexpr int64_t kPadLse = 5;

void store(void* data, DType dtype, int64_t i, float x) {
  switch (dtype) {
    case DType::f32: static_cast<float*>(data)[i] = x; break;
    case DType::f16: static_cast<uint16_t*>(data)[i] = cpu::float_to_half(x); break;
    case DType::bf16: static_cast<uint16_t*>(data)[i] = cpu::float_to_bf16(x); break;
  }
}

// Not cpu::row_offset: the tests must not share the kernels' indexing.
int64_t offset(const dattn_view& v, int64_t b, int64_t h, int64_t s) {
  return b * v.stride_b + h * v.stride_h + s * v.stride_s;
}

float load(const void* data, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::f32: return static_cast<const float*>(data)[i];
    case DType::f16: return cpu::half_to_float(static_cast<const uint16_t*>(data)[i]);
    case DType::bf16: return cpu::bf16_to_float(static_cast<const uint16_t*>(data)[i]);
  }
  return std::numeric_limits<float>::quiet_NaN();
}

void fill_nan(std::vector<unsigned char>& bytes, DType dtype) {
  const int64_t n = static_cast<int64_t>(bytes.size() / dtype_size(dtype));
  for (int64_t i = 0; i < n; ++i) store(bytes.data(), dtype, i, std::numeric_limits<float>::quiet_NaN());
}

}  // namespace

std::string describe(const Spec& s) {
  const Shape& x = s.shape;
  const char* storage = s.storage == Storage::hnd ? "HND" : (s.storage == Storage::nhd ? "NHD" : "strided");
  return "B=" + std::to_string(x.batch) + " Hq=" + std::to_string(x.heads_q) +
         " Hkv=" + std::to_string(x.heads_kv) + " Sq=" + std::to_string(x.seq_q) +
         " Sk=" + std::to_string(x.seq_kv) + " D=" + std::to_string(x.head_dim) + " " +
         to_string(s.dtype) + " " + storage +
         (s.inputs == Inputs::k_bias ? " k_bias" : " gaussian") + (s.causal ? " causal" : "") +
         " sage_pv=" + to_string(s.sage_pv);
}

dattn_view HostProblem::make_view(Buffer& buf, int64_t heads, int64_t seq) {
  const Shape& x = spec_.shape;
  const int64_t d = x.head_dim;
  dattn_view v{};
  int64_t elements = 0;
  switch (spec_.storage) {
    case Storage::hnd:
      v.stride_s = d, v.stride_h = seq * d, v.stride_b = heads * seq * d;
      elements = x.batch * v.stride_b;
      break;
    case Storage::nhd:
      v.stride_h = d, v.stride_s = heads * d, v.stride_b = seq * heads * d;
      elements = x.batch * v.stride_b;
      break;
    case Storage::strided:
      v.stride_s = d + kPadChannels;
      v.stride_h = (seq + kPadTokens) * v.stride_s;
      v.stride_b = (heads + kPadHeads) * v.stride_h;
      elements = x.batch * v.stride_b;
      buf.offset = kSliceHead * v.stride_h + kSliceToken * v.stride_s + kSliceChannel;
      break;
  }
  buf.bytes.assign(static_cast<size_t>(elements) * dtype_size(spec_.dtype), 0);
  fill_nan(buf.bytes, spec_.dtype);
  v.data = buf.bytes.data() + buf.offset * static_cast<int64_t>(dtype_size(spec_.dtype));
  return v;
}

void HostProblem::fill(const dattn_view& view, int64_t heads, int64_t seq, double mult,
                       uint64_t seed, bool bias) {
  const Shape& x = spec_.shape;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (int64_t b = 0; b < x.batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<double> channel_bias(static_cast<size_t>(x.head_dim), 0.0);
      if (bias) {
        for (double& c : channel_bias) c = 8.0 * normal(rng);
      }
      for (int64_t s = 0; s < seq; ++s) {
        const int64_t off = offset(view, b, h, s);
        for (int64_t d = 0; d < x.head_dim; ++d) {
          store(view.data, spec_.dtype, off + d, static_cast<float>(mult * normal(rng) + channel_bias[d]));
        }
      }
    }
  }
}

HostProblem::HostProblem(const Spec& spec, uint64_t seed) : spec_(spec) {
  const Shape& x = spec.shape;
  dattn_problem& p = problem_;
  p.dtype = static_cast<int32_t>(spec.dtype);
  p.batch = x.batch, p.heads_q = x.heads_q, p.heads_kv = x.heads_kv;
  p.seq_q = x.seq_q, p.seq_kv = x.seq_kv, p.head_dim = x.head_dim;
  p.q = make_view(q_, x.heads_q, x.seq_q);
  p.k = make_view(k_, x.heads_kv, x.seq_kv);
  p.v = make_view(v_, x.heads_kv, x.seq_kv);
  p.out = make_view(out_, x.heads_q, x.seq_q);
  p.sm_scale = spec.sm_scale.value_or(1.0f / std::sqrt(static_cast<float>(x.head_dim)));
  p.causal = spec.causal ? 1 : 0;
  p.sage_pv = static_cast<int32_t>(spec.sage_pv);

  const bool k_bias = spec.inputs == Inputs::k_bias;
  uint64_t seeds[3];
  {
    std::mt19937_64 split(seed);
    for (uint64_t& s : seeds) s = split();
  }
  fill(p.q, x.heads_q, x.seq_q, k_bias ? 2.0 : 1.0, seeds[0], false);
  fill(p.k, x.heads_kv, x.seq_kv, 1.0, seeds[1], k_bias);
  fill(p.v, x.heads_kv, x.seq_kv, 1.0, seeds[2], false);

  if (spec.lse) {
    const int64_t row = spec.storage == Storage::strided ? x.seq_q + kPadLse : x.seq_q;
    lse_.resize(static_cast<size_t>(x.batch * x.heads_q * row));
    p.lse = lse_.data();
    p.lse_stride_h = row;
    p.lse_stride_b = x.heads_q * row;
  }
  poison();
}

std::vector<float> HostProblem::logical(Operand which) const {
  const dattn_problem& p = problem_;
  const bool is_q = which == Operand::q || which == Operand::out;
  const dattn_view& v = which == Operand::q ? p.q : which == Operand::k ? p.k : which == Operand::v ? p.v : p.out;
  const int64_t heads = is_q ? p.heads_q : p.heads_kv, seq = is_q ? p.seq_q : p.seq_kv;
  std::vector<float> x;
  x.reserve(static_cast<size_t>(p.batch * heads * seq * p.head_dim));
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t s = 0; s < seq; ++s) {
        for (int64_t d = 0; d < p.head_dim; ++d) x.push_back(load(v.data, spec_.dtype, offset(v, b, h, s) + d));
      }
    }
  }
  return x;
}

void HostProblem::poison() {
  fill_nan(out_.bytes, spec_.dtype);
  std::fill(lse_.begin(), lse_.end(), std::numeric_limits<float>::quiet_NaN());
  out_poisoned_ = out_.bytes;
}

bool HostProblem::outside_untouched() const {
  const Shape& x = spec_.shape;
  const size_t es = dtype_size(spec_.dtype);
  std::vector<bool> inside(out_.bytes.size() / es, false);
  for (int64_t b = 0; b < x.batch; ++b) {
    for (int64_t h = 0; h < x.heads_q; ++h) {
      for (int64_t s = 0; s < x.seq_q; ++s) {
        const int64_t off = out_.offset + offset(problem_.out, b, h, s);
        for (int64_t d = 0; d < x.head_dim; ++d) inside[static_cast<size_t>(off + d)] = true;
      }
    }
  }
  for (size_t i = 0; i < inside.size(); ++i) {
    if (!inside[i] && std::memcmp(&out_.bytes[i * es], &out_poisoned_[i * es], es) != 0) return false;
  }
  for (int64_t b = 0; b < x.batch; ++b) {
    for (int64_t h = 0; h < x.heads_q; ++h) {
      for (int64_t s = x.seq_q; s < problem_.lse_stride_h; ++s) {
        const size_t i = static_cast<size_t>(b * problem_.lse_stride_b + h * problem_.lse_stride_h + s);
        if (!std::isnan(lse_[i])) return false;
      }
    }
  }
  return true;
}

}  // namespace dattn::test
