// Every malformed argument is Error(invalid_argument) naming the argument; checked through
// attention() itself so that nothing reaches a kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/host_tensors.h"
#include "core/validate.h"
#include "select/support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* name;
  std::function<void(Problem&)> mutate;
  const char* message;
};

void run(Problem& p, bool with_lse = true) {
  attention(p.q.t, p.k.t, p.v.t, p.out.t, with_lse ? &p.lse : nullptr, p.options);
}

TEST(Validate, EveryBadArgumentIsNamed) {
  CleanEnv env;
  const std::vector<Case> cases = {
      {"null q", [](Problem& p) { p.q.t.data = nullptr; }, "q.data is null"},
      {"null k", [](Problem& p) { p.k.t.data = nullptr; }, "k.data is null"},
      {"null v", [](Problem& p) { p.v.t.data = nullptr; }, "v.data is null"},
      {"null out", [](Problem& p) { p.out.t.data = nullptr; }, "out.data is null"},
      {"null lse", [](Problem& p) { p.lse.data = nullptr; }, "lse.data is null"},
      {"dtype k", [](Problem& p) { p.k.t.dtype = DType::bf16; },
       "k.dtype is bf16 but q.dtype is f32"},
      {"dtype out", [](Problem& p) { p.out.t.dtype = DType::f16; }, "out.dtype is f16"},
      {"dtype value", [](Problem& p) { p.q.t.dtype = static_cast<DType>(9); }, "q.dtype"},
      {"lse dtype", [](Problem& p) { p.lse.dtype = DType::bf16; }, "lse.dtype must be f32"},
      {"misaligned q",
       [](Problem& p) { p.q.t.data = static_cast<char*>(p.q.t.data) + 1; },
       "q.data must be aligned to its element size (4 bytes for f32)"},
      {"misaligned out",
       [](Problem& p) { p.out.t.data = static_cast<char*>(p.out.t.data) + 2; },
       "out.data must be aligned to its element size"},
      {"misaligned bf16 v",
       [](Problem& p) {
         for (Tensor* t : {&p.q.t, &p.k.t, &p.v.t, &p.out.t}) t->dtype = DType::bf16;
         p.v.t.data = static_cast<char*>(p.v.t.data) + 1;
       },
       "v.data must be aligned to its element size (2 bytes for bf16)"},
      {"misaligned lse", [](Problem& p) { p.lse.data = static_cast<char*>(p.lse.data) + 2; },
       "lse.data must be aligned to its element size (4 bytes for f32)"},
      {"device", [](Problem& p) { p.v.t.device = DeviceType::cuda; },
       "v is on cuda:0 but q is on cpu:0"},
      {"device index", [](Problem& p) { p.k.t.device_index = 1; }, "k is on cpu:1"},
      {"device value", [](Problem& p) { p.out.t.device = static_cast<DeviceType>(4); },
       "out.device"},
      {"lse device", [](Problem& p) { p.lse.device = DeviceType::musa; }, "lse is on musa:0"},
      {"zero seq", [](Problem& p) { p.q.t.shape[2] = 0; }, "q.shape[2] (seq) must be positive"},
      {"negative batch", [](Problem& p) { p.k.t.shape[0] = -1; }, "k.shape[0] (batch)"},
      {"gqa", [](Problem& p) { p.q.t.shape[1] = 3; p.out.t.shape[1] = 3; },
       "q: heads 3 must be a multiple of k/v heads 2"},
      {"batch", [](Problem& p) { p.k.t.shape[0] = 1; p.v.t.shape[0] = 1; },
       "k: batch 1 differs from q's batch 2"},
      {"head_dim", [](Problem& p) { p.k.t.shape[3] = 32; p.v.t.shape[3] = 32; },
       "k: head_dim 32 differs"},
      {"k/v", [](Problem& p) { p.v.t.shape[2] = 5; }, "v: shape [2, 2, 5, 64] differs from k's"},
      {"out", [](Problem& p) { p.out.t.shape[2] = 5; }, "out: shape [2, 4, 5, 64] must equal q's"},
      {"lse shape", [](Problem& p) { p.lse.shape = {2, 4, 17, 2}; },
       "lse: shape [2, 4, 17, 2] must be [batch, heads_q, seq_q, 1] = [2, 4, 17, 1]"},
      {"lse seq stride", [](Problem& p) { p.lse.strides[2] = 2; }, "lse.strides[2] (seq) must be 1"},
      {"head_dim stride", [](Problem& p) { p.q.t.strides[3] = 2; },
       "q.strides[3] (head_dim) must be 1"},
      {"negative stride", [](Problem& p) { p.k.t.strides[2] = -64; },
       "k.strides[2] (seq) must be non-negative"},
      {"int64 overflow", [](Problem& p) { p.v.t.strides[0] = int64_t{1} << 62; },
       "v: shape and strides address past 2^63"},
      {"broadcast past 2^52 elements",
       [](Problem& p) {
         // stride 0 spans one row but claims 2^58 tokens: its size must not wrap in kernels
         for (Tensor* t : {&p.k.t, &p.v.t}) {
           t->shape[2] = int64_t{1} << 58;
           t->strides = {0, 0, 0, 1};
         }
       },
       "k.shape: 2x2x288230376151711744x64 elements exceed the supported 2^52 per tensor"},
      {"out aliases q", [](Problem& p) { p.out.t.data = p.q.t.data; }, "out overlaps q"},
      {"out overlaps v",
       [](Problem& p) {
         // v and out in one allocation, out starting one token into v.
         static std::vector<float> shared(1 << 16);
         p.v.t.data = shared.data();
         p.out.t.data = shared.data() + 64;
       },
       "out overlaps v"},
      {"lse aliases out", [](Problem& p) { p.lse.data = p.out.t.data; }, "lse overlaps out"},
      {"lse aliases k", [](Problem& p) { p.lse.data = p.k.t.data; }, "lse overlaps k"},
      {"out self overlap", [](Problem& p) { p.out.t.strides[2] = 0; },
       "out: its strides make distinct elements share memory"},
      {"scale nan", [](Problem& p) { p.options.sm_scale = std::nanf(""); }, "options.sm_scale"},
      {"scale inf", [](Problem& p) { p.options.sm_scale = INFINITY; }, "options.sm_scale"},
      {"scale zero", [](Problem& p) { p.options.sm_scale = 0.0f; }, "options.sm_scale"},
      {"scale negative", [](Problem& p) { p.options.sm_scale = -1.0f; }, "options.sm_scale"},
      {"layout value", [](Problem& p) { p.options.layout = static_cast<Layout>(7); },
       "options.layout"},
      {"backend name", [](Problem& p) { p.options.backend = "flashy"; },
       "invalid attention backend 'flashy' for platform cpu"},
      {"sage_pv value", [](Problem& p) { p.options.backend = "sage"; p.options.sage_pv = static_cast<SagePV>(5); },
       "sage_pv"},
      {"policy value", [](Problem& p) { p.options.policy = static_cast<Policy>(3); }, "policy"},
  };
  for (const Case& c : cases) {
    Problem p = make_problem_data({}, DType::f32, Layout::HND, fresh_seed());
    c.mutate(p);
    EXPECT_THAT(error_of([&] { run(p); }, ErrorCode::invalid_argument), HasSubstr(c.message))
        << c.name;
  }
}

TEST(Validate, ContiguousStridesPastInt64AreRefused) {
  float x = 0;
  const int64_t big = int64_t{1} << 32;
  EXPECT_THAT(error_of([&] { contiguous_tensor(&x, DType::f32, {1, big, big, 64}); }, ErrorCode::invalid_argument),
              HasSubstr("contiguous_tensor: shape 1x4294967296x4294967296x64 has strides past 64-bit integers"));
  // The outermost dim never enters a stride: a view that large is validation's to refuse.
  EXPECT_EQ(contiguous_tensor(&x, DType::f32, {int64_t{1} << 62, 2, 2, 64}).strides[0], 256);
}

TEST(Validate, NhdNamesItsDims) {
  Problem p = make_problem_data({}, DType::f32, Layout::NHD, fresh_seed());
  p.q.t.shape[1] = 0;
  EXPECT_THAT(error_of([&] { run(p); }, ErrorCode::invalid_argument),
              HasSubstr("q.shape[1] (seq) must be positive"));
}

TEST(Validate, LayoutsFoldIntoCanonicalStrides) {
  const Shape s;
  Problem hnd = make_problem_data(s, DType::f32, Layout::HND, 1, /*pad=*/8);
  dattn_problem a = make_problem(hnd.q.t, hnd.k.t, hnd.v.t, hnd.out.t, &hnd.lse, hnd.options);
  EXPECT_EQ(a.heads_q, s.heads_q);
  EXPECT_EQ(a.seq_kv, s.seq_kv);
  EXPECT_EQ(a.q.stride_s, s.head_dim + 8);
  EXPECT_EQ(a.q.stride_h, s.seq_q * (s.head_dim + 8));
  EXPECT_FLOAT_EQ(a.sm_scale, 0.125f);  // 1 / sqrt(64)
  EXPECT_EQ(a.lse, hnd.lse_storage.data());
  EXPECT_EQ(a.lse_stride_h, s.seq_q);
  EXPECT_EQ(a.lse_stride_b, s.heads_q * s.seq_q);

  Problem nhd = make_problem_data(s, DType::f32, Layout::NHD, 1);
  dattn_problem b = make_problem(nhd.q.t, nhd.k.t, nhd.v.t, nhd.out.t, nullptr, nhd.options);
  EXPECT_EQ(b.heads_q, s.heads_q);
  EXPECT_EQ(b.seq_q, s.seq_q);
  EXPECT_EQ(b.q.stride_h, s.head_dim);               // heads are adjacent rows in NHD
  EXPECT_EQ(b.q.stride_s, s.heads_q * s.head_dim);   // tokens step over all heads
  EXPECT_EQ(b.lse, nullptr);
}

TEST(Validate, InputsMaySharePackedStorage) {
  // A packed QKV buffer [B, S, 3, H, D] in NHD: q, k and v interleave; only out must be apart.
  const int64_t B = 1, S = 9, H = 2, D = 32;
  std::vector<float> qkv(static_cast<std::size_t>(B * S * 3 * H * D), 0.5f);
  std::vector<float> out(static_cast<std::size_t>(B * S * H * D));
  auto view = [&](int which) {
    Tensor t = contiguous_tensor(qkv.data() + which * H * D, DType::f32, {B, S, H, D});
    t.strides = {S * 3 * H * D, 3 * H * D, D, 1};
    return t;
  };
  Options o;
  o.layout = Layout::NHD;
  o.backend = "sdpa";
  const Tensor to = contiguous_tensor(out.data(), DType::f32, {B, S, H, D});
  EXPECT_NO_THROW(make_problem(view(0), view(1), view(2), to, nullptr, o));
}

}  // namespace
}  // namespace dattn::test
