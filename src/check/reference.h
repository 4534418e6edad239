// fp64 reference attention over a dattn_problem, for tests, the CLI's check and the GPU
// tests. Reads q/k/v in their dtype (exactly), computes every score, the softmax and the
// output in double, and never writes the problem's out or lse.
//
// Semantics it fixes (the kernels must match them):
//   * GQA: query head h reads KV head h / (heads_q / heads_kv).
//   * causal is bottom-right aligned: query i sees key j iff j <= i + seq_kv - seq_q.
//     A query row that sees no key (only possible when seq_q > seq_kv) has output 0 and
//     LSE -inf.
//   * LSE is the natural log of sum_j exp(sm_scale * q.k_j) over visible keys.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/problem.h"

namespace dattn::check {

// One query row: batch, query head, token.
struct Row {
  int64_t b, h, s;
};

// Every query row, in (b, h, s) order.
std::vector<Row> all_rows(const dattn_problem& p);
// Every `stride`-th row of that order (stride >= 1), plus the very last row, so that a
// large run (e.g. the Flux shape) is checked on a cheap, spread-out sample.
std::vector<Row> sampled_rows(const dattn_problem& p, int64_t stride);

struct Reference {
  std::vector<Row> rows;
  int64_t head_dim = 0;
  std::vector<double> out;  // rows.size() x head_dim, row-major, in the order of `rows`
  std::vector<double> lse;  // rows.size(); -inf for a row that sees no key
};

// The reference at `rows` (multithreaded over rows).
Reference reference(const dattn_problem& p, std::vector<Row> rows);

// What a kernel wrote into p.out / p.lse at `rows`, as double, in the layout of
// Reference::out / Reference::lse, ready for the metrics. gather_lse needs p.lse.
std::vector<double> gather_output(const dattn_problem& p, std::span<const Row> rows);
std::vector<double> gather_lse(const dattn_problem& p, std::span<const Row> rows);

}  // namespace dattn::check
