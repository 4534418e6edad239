#include "check/reference.h"

#include <cmath>
#include <limits>

#include "cpu/causal.h"
#include "cpu/convert.h"
#include "dattn/types.h"

namespace dattn::check {
namespace {

double element(const void* data, int32_t dtype, int64_t offset) {
  switch (static_cast<DType>(dtype)) {
    case DType::f32: return static_cast<const float*>(data)[offset];
    case DType::f16: return cpu::half_to_float(static_cast<const uint16_t*>(data)[offset]);
    case DType::bf16: return cpu::bf16_to_float(static_cast<const uint16_t*>(data)[offset]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// Written out here rather than shared with the kernels, so that a stride bug in a kernel
// cannot hide by being repeated in its oracle.
int64_t offset(const dattn_view& v, int64_t b, int64_t h, int64_t s) {
  return b * v.stride_b + h * v.stride_h + s * v.stride_s;
}

}  // namespace

std::vector<Row> all_rows(const dattn_problem& p) { return sampled_rows(p, 1); }

std::vector<Row> sampled_rows(const dattn_problem& p, int64_t stride) {
  if (stride < 1) stride = 1;
  const int64_t total = p.batch * p.heads_q * p.seq_q;
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(total / stride + 2));
  auto row_at = [&](int64_t i) {
    return Row{i / (p.heads_q * p.seq_q), (i / p.seq_q) % p.heads_q, i % p.seq_q};
  };
  for (int64_t i = 0; i < total; i += stride) rows.push_back(row_at(i));
  if (total > 0 && (total - 1) % stride != 0) rows.push_back(row_at(total - 1));
  return rows;
}

Reference reference(const dattn_problem& p, std::vector<Row> rows) {
  Reference ref;
  ref.rows = std::move(rows);
  ref.head_dim = p.head_dim;
  const int64_t n = static_cast<int64_t>(ref.rows.size());
  const int64_t d_n = p.head_dim;
  ref.out.assign(static_cast<size_t>(n * d_n), 0.0);
  ref.lse.assign(static_cast<size_t>(n), -std::numeric_limits<double>::infinity());
  const int64_t group = p.heads_q / p.heads_kv;

#pragma omp parallel
  {
    std::vector<double> q(static_cast<size_t>(d_n)), scores(static_cast<size_t>(p.seq_kv));
#pragma omp for schedule(dynamic, 4)
    for (int64_t r = 0; r < n; ++r) {
      const Row row = ref.rows[static_cast<size_t>(r)];
      const int64_t hkv = row.h / group;
      const int64_t keys = cpu::visible_keys(p, row.s);
      if (keys == 0) continue;
      const int64_t q_off = offset(p.q, row.b, row.h, row.s);
      for (int64_t d = 0; d < d_n; ++d) q[d] = element(p.q.data, p.dtype, q_off + d);
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < keys; ++j) {
        const int64_t k_off = offset(p.k, row.b, hkv, j);
        double dot = 0;
        for (int64_t d = 0; d < d_n; ++d) dot += q[d] * element(p.k.data, p.dtype, k_off + d);
        scores[j] = dot * static_cast<double>(p.sm_scale);
        max = std::max(max, scores[j]);
      }
      double sum = 0;
      double* out = ref.out.data() + r * d_n;
      for (int64_t j = 0; j < keys; ++j) {
        const double w = std::exp(scores[j] - max);
        sum += w;
        const int64_t v_off = offset(p.v, row.b, hkv, j);
        for (int64_t d = 0; d < d_n; ++d) out[d] += w * element(p.v.data, p.dtype, v_off + d);
      }
      for (int64_t d = 0; d < d_n; ++d) out[d] /= sum;
      ref.lse[static_cast<size_t>(r)] = max + std::log(sum);
    }
  }
  return ref;
}

std::vector<double> gather_output(const dattn_problem& p, std::span<const Row> rows) {
  std::vector<double> x;
  x.reserve(rows.size() * static_cast<size_t>(p.head_dim));
  for (const Row& row : rows) {
    const int64_t off = offset(p.out, row.b, row.h, row.s);
    for (int64_t d = 0; d < p.head_dim; ++d) x.push_back(element(p.out.data, p.dtype, off + d));
  }
  return x;
}

std::vector<double> gather_lse(const dattn_problem& p, std::span<const Row> rows) {
  std::vector<double> x;
  x.reserve(rows.size());
  for (const Row& row : rows) {
    x.push_back(p.lse[row.b * p.lse_stride_b + row.h * p.lse_stride_h + row.s]);
  }
  return x;
}

}  // namespace dattn::check
