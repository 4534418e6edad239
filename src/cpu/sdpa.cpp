// The CPU fallback: one query row at a time, every score materialized, fp32 throughout.
// Deliberately plain so that it is easy to trust; fa.cpp is the fast path.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/causal.h"
#include "cpu/kernels.h"
#include "cpu/rows.h"

namespace dattn::cpu {

void sdpa(const dattn_problem& p) {
  const auto dtype = static_cast<DType>(p.dtype);
  const int64_t d_n = p.head_dim;
  const int64_t group = p.heads_q / p.heads_kv;
  const int64_t total = p.batch * p.heads_q * p.seq_q;

#pragma omp parallel
  {
    std::vector<float> q(d_n), kv(d_n), acc(d_n), scores(p.seq_kv);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < total; ++r) {
      const int64_t b = r / (p.heads_q * p.seq_q);
      const int64_t h = (r / p.seq_q) % p.heads_q;
      const int64_t s = r % p.seq_q;
      const int64_t keys = visible_keys(p, s);
      float max = -std::numeric_limits<float>::infinity();
      load_rows(p.q, dtype, b, h, s, 1, d_n, 1.0f, q.data());
      for (int64_t j = 0; j < keys; ++j) {
        load_rows(p.k, dtype, b, h / group, j, 1, d_n, 1.0f, kv.data());
        float dot = 0;
        for (int64_t d = 0; d < d_n; ++d) dot += q[d] * kv[d];
        scores[j] = dot * p.sm_scale;
        max = std::max(max, scores[j]);
      }
      float sum = 0;
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < keys; ++j) {
        const float w = std::exp(scores[j] - max);
        sum += w;
        load_rows(p.v, dtype, b, h / group, j, 1, d_n, 1.0f, kv.data());
        for (int64_t d = 0; d < d_n; ++d) acc[d] += w * kv[d];
      }
      // A row that sees no key keeps acc = 0 and reports LSE -inf (see reference.h).
      const float inv = keys > 0 ? 1.0f / sum : 0.0f;
      for (int64_t d = 0; d < d_n; ++d) acc[d] *= inv;
      store_rows(acc.data(), 1, d_n, dtype, p.out, b, h, s);
      if (p.lse != nullptr) {
        p.lse[b * p.lse_stride_b + h * p.lse_stride_h + s] =
            keys > 0 ? max + std::log(sum) : -std::numeric_limits<float>::infinity();
      }
    }
  }
}

}  // namespace dattn::cpu
