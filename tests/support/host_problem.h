// An attention problem over host buffers that the test owns: random inputs, any layout,
// NaN-poisoned outputs, and a check that nothing was written outside the output view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.h"
#include "dattn/types.h"

namespace dattn::test {

struct Shape {
  int64_t batch = 1, heads_q = 1, heads_kv = 1, seq_q = 1, seq_kv = 1, head_dim = 64;
};

// hnd / nhd: contiguous in that layout. strided: a slice of a larger buffer (one extra head,
// padded tokens and channels, LSE rows padded too), the padding filled with NaN, so that a
// kernel that ignores a stride reads NaN or writes where it must not.
enum class Storage { hnd, nhd, strided };

// gaussian: q, k, v ~ N(0, 1). k_bias: the same plus 8 * N(0, 1) per (batch, head, channel)
// on K (a large per-channel bias, as real K has) and Q doubled (DESIGN.md's hard case).
enum class Inputs { gaussian, k_bias };

struct Spec {
  Shape shape;
  DType dtype = DType::bf16;
  Storage storage = Storage::hnd;
  Inputs inputs = Inputs::gaussian;
  bool causal = false;
  bool lse = true;
  SagePV sage_pv = SagePV::f16;
  std::optional<float> sm_scale;  // unset: 1 / sqrt(head_dim)
};

std::string describe(const Spec& spec);

class HostProblem {
 public:
  // Inputs are drawn in logical (b, h, s, d) order from `seed`, so the same seed gives the
  // same tensors whatever the storage. Outputs start poisoned.
  HostProblem(const Spec& spec, uint64_t seed);
  HostProblem(const HostProblem&) = delete;
  HostProblem& operator=(const HostProblem&) = delete;

  const Spec& spec() const { return spec_; }
  const dattn_problem& problem() const { return problem_; }
  // Fills out and lse (view and padding) with NaN, so that any element a kernel does not
  // write fails the comparison.
  void poison();
  // An operand as a contiguous [B, H, S, D] fp32 array (values exact), read with the test's
  // own indexing.
  enum class Operand { q, k, v, out };
  std::vector<float> logical(Operand which) const;
  // True when every output element outside the view still holds its poison.
  bool outside_untouched() const;

 private:
  struct Buffer {
    std::vector<unsigned char> bytes;
    int64_t offset = 0;  // element offset of the view's first element
  };
  dattn_view make_view(Buffer& buf, int64_t heads, int64_t seq);
  void fill(const dattn_view& view, int64_t heads, int64_t seq, double mult, uint64_t seed,
            bool bias);

  Spec spec_;
  Buffer q_, k_, v_, out_;
  std::vector<float> lse_;
  std::vector<unsigned char> out_poisoned_;
  dattn_problem problem_{};
};

}  // namespace dattn::test
