// The causal alignment shared by every CPU kernel (and by check/reference.cpp):
// bottom-right aligned, query i sees key j iff j <= i + seq_kv - seq_q.
#pragma once

#include <cstdint>

#include "core/problem.h"

namespace dattn::cpu {

// Number of leading keys that query token `s` may see: [0, result).
inline int64_t visible_keys(const dattn_problem& p, int64_t s) {
  if (!p.causal) return p.seq_kv;
  const int64_t end = s + p.seq_kv - p.seq_q + 1;
  return end < 0 ? 0 : (end > p.seq_kv ? p.seq_kv : end);
}

}  // namespace dattn::cpu
