#include "core/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dattn {

namespace {

[[noreturn]] void bad(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

std::string dims(const std::array<int64_t, 4>& a) {
  // Appended, not a chain of +: g++ 12 warns falsely (-Wrestrict) on the chain.
  std::string s = "[";
  for (int d = 0; d < 4; ++d) s.append(d ? ", " : "").append(std::to_string(a[d]));
  return s.append("]");
}

std::string where(const Tensor& t) {
  return std::string(to_string(t.device)) + ":" + std::to_string(t.device_index);
}

// Canonical [batch, heads, seq, head_dim] shape and strides of a tensor.
struct Canon {
  std::array<int64_t, 4> shape;
  std::array<int64_t, 4> strides;
};

Canon canonical(const Tensor& t, Layout layout) {
  if (layout == Layout::HND) return {t.shape, t.strides};
  return {{t.shape[0], t.shape[2], t.shape[1], t.shape[3]},
          {t.strides[0], t.strides[2], t.strides[1], t.strides[3]}};
}

// A view's address range [begin, end) in bytes. Offsets are 64-bit; only a view whose last
// element's byte offset overflows int64 is rejected.
struct Range {
  uintptr_t begin, end;
};

Range byte_range(const std::string& name, const void* data, const int64_t* shape,
                 const int64_t* strides, int rank, std::size_t elem) {
  int64_t last = 0;
  for (int d = 0; d < rank; ++d) {
    int64_t term = 0;
    if (__builtin_mul_overflow(shape[d] - 1, strides[d], &term) ||
        __builtin_add_overflow(last, term, &last))
      bad(name + ": shape and strides address past 2^63 elements");
  }
  int64_t bytes = 0;
  if (__builtin_add_overflow(last, int64_t{1}, &bytes) ||
      __builtin_mul_overflow(bytes, static_cast<int64_t>(elem), &bytes))
    bad(name + ": shape and strides address past 2^63 bytes");
  const auto begin = reinterpret_cast<uintptr_t>(data);
  return {begin, begin + static_cast<uintptr_t>(bytes)};
}

// Sufficient condition for a view whose elements never share an address: ordered by stride,
// each dim's stride steps past everything the smaller dims span. Written views must satisfy it,
// or concurrent threads would write one element twice.
void check_no_self_overlap(const std::string& name, const int64_t* shape, const int64_t* strides,
                           int rank) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
  for (int d = 0; d < rank; ++d)
    if (shape[d] > 1) dims.emplace_back(strides[d], shape[d]);
  std::sort(dims.begin(), dims.end());
  int64_t span = 1;
  for (const auto& [stride, size] : dims) {
    if (stride < span)
      bad(name + ": its strides make distinct elements share memory; a written tensor needs "
                 "non-overlapping strides");
    span = stride * (size - 1) + span;
  }
}

void check_tensor(const std::string& name, const Tensor& t, Layout layout) {
  static const char* hnd[] = {"batch", "heads", "seq", "head_dim"};
  static const char* nhd[] = {"batch", "seq", "heads", "head_dim"};
  const char** dim_names = layout == Layout::HND ? hnd : nhd;
  if (t.data == nullptr) bad(name + ".data is null");
  const int dt = static_cast<int>(t.dtype), dev = static_cast<int>(t.device);
  if (dt < 0 || dt > 2)
    bad(name + ".dtype: expected f32, f16 or bf16, got value " + std::to_string(dt));
  if (dev < 0 || dev > 2)
    bad(name + ".device: expected cpu, cuda or musa, got value " + std::to_string(dev));
  if (t.device_index < 0)
    bad(name + ".device_index must be >= 0, got " + std::to_string(t.device_index));
  // Every kernel reads elements as their own type: an address off that alignment is undefined
  // behaviour on the CPU and a misaligned-address fault on a GPU.
  const size_t element = t.dtype == DType::f32 ? 4 : 2;
  if (reinterpret_cast<uintptr_t>(t.data) % element != 0)
    bad(name + ".data must be aligned to its element size (" + std::to_string(element) +
        " bytes for " + to_string(t.dtype) + ")");
  for (int d = 0; d < 4; ++d) {
    if (t.shape[d] <= 0)
      bad(name + ".shape[" + std::to_string(d) + "] (" + dim_names[d] + ") must be positive, got " +
          std::to_string(t.shape[d]));
    if (t.strides[d] < 0)
      bad(name + ".strides[" + std::to_string(d) + "] (" + dim_names[d] +
          ") must be non-negative, got " + std::to_string(t.strides[d]));
  }
  if (t.strides[3] != 1)
    bad(name + ".strides[3] (head_dim) must be 1 (head_dim contiguous), got " +
        std::to_string(t.strides[3]));
  int64_t count = 1;
  for (int d = 0; d < 4; ++d)
    if (__builtin_mul_overflow(count, t.shape[d], &count) || count > kMaxTensorElements)
      bad(name + ".shape: " + std::to_string(t.shape[0]) + "x" + std::to_string(t.shape[1]) + "x" +
          std::to_string(t.shape[2]) + "x" + std::to_string(t.shape[3]) +
          " elements exceed the supported 2^52 per tensor");
}

void check_disjoint(const std::string& written, Range w, const std::string& other, Range o) {
  if (w.begin < o.end && o.begin < w.end)
    bad(written + " overlaps " + other + " in memory; " + written +
        " must not alias any input");
}

}  // namespace

dattn_problem make_problem(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                           const Tensor* lse, const Options& options) {
  const Layout layout = options.layout;
  if (layout != Layout::HND && layout != Layout::NHD)
    bad("options.layout: expected HND or NHD, got value " +
        std::to_string(static_cast<int>(layout)));
  const int pv = static_cast<int>(options.sage_pv);
  if (pv < 0 || pv > 2)
    bad("options.sage_pv: expected auto, fp8 or f16, got value " + std::to_string(pv));
  check_tensor("q", q, layout);
  check_tensor("k", k, layout);
  check_tensor("v", v, layout);
  check_tensor("out", out, layout);

  for (auto [name, t] : {std::pair{"k", &k}, {"v", &v}, {"out", &out}}) {
    if (t->dtype != q.dtype)
      bad(std::string(name) + ".dtype is " + to_string(t->dtype) + " but q.dtype is " +
          to_string(q.dtype) + "; q, k, v and out must share one dtype");
    if (t->device != q.device || t->device_index != q.device_index)
      bad(std::string(name) + " is on " + where(*t) + " but q is on " + where(q) +
          "; all tensors must be on one device");
  }

  const Canon cq = canonical(q, layout), ck = canonical(k, layout), cv = canonical(v, layout),
              co = canonical(out, layout);
  if (ck.shape[0] != cq.shape[0])
    bad("k: batch " + std::to_string(ck.shape[0]) + " differs from q's batch " +
        std::to_string(cq.shape[0]));
  if (ck.shape[3] != cq.shape[3])
    bad("k: head_dim " + std::to_string(ck.shape[3]) + " differs from q's head_dim " +
        std::to_string(cq.shape[3]));
  if (cv.shape != ck.shape)
    bad("v: shape " + dims(v.shape) + " differs from k's shape " + dims(k.shape) +
        "; k and v must have the same shape");
  if (cq.shape[1] % ck.shape[1] != 0)
    bad("q: heads " + std::to_string(cq.shape[1]) + " must be a multiple of k/v heads " +
        std::to_string(ck.shape[1]) + " (grouped-query attention)");
  if (co.shape != cq.shape)
    bad("out: shape " + dims(out.shape) + " must equal q's shape " + dims(q.shape));

  const std::size_t elem = dtype_size(q.dtype);
  const Range rq = byte_range("q", q.data, q.shape.data(), q.strides.data(), 4, elem);
  const Range rk = byte_range("k", k.data, k.shape.data(), k.strides.data(), 4, elem);
  const Range rv = byte_range("v", v.data, v.shape.data(), v.strides.data(), 4, elem);
  const Range ro = byte_range("out", out.data, out.shape.data(), out.strides.data(), 4, elem);
  check_no_self_overlap("out", out.shape.data(), out.strides.data(), 4);
  check_disjoint("out", ro, "q", rq);
  check_disjoint("out", ro, "k", rk);
  check_disjoint("out", ro, "v", rv);

  dattn_problem p{};
  if (lse) {
    const std::array<int64_t, 4> want{cq.shape[0], cq.shape[1], cq.shape[2], 1};
    if (lse->data == nullptr) bad("lse.data is null (pass no lse tensor to skip it)");
    if (lse->dtype != DType::f32)
      bad(std::string("lse.dtype must be f32, got ") + to_string(lse->dtype));
    if (reinterpret_cast<uintptr_t>(lse->data) % 4 != 0)
      bad("lse.data must be aligned to its element size (4 bytes for f32)");
    if (lse->device != q.device || lse->device_index != q.device_index)
      bad("lse is on " + where(*lse) + " but q is on " + where(q) +
          "; all tensors must be on one device");
    if (lse->shape != want)
      bad("lse: shape " + dims(lse->shape) + " must be [batch, heads_q, seq_q, 1] = " +
          dims(want) + " (whatever the layout)");
    for (int d = 0; d < 3; ++d)
      if (lse->strides[d] < 0)
        bad("lse.strides[" + std::to_string(d) + "] must be non-negative, got " +
            std::to_string(lse->strides[d]));
    if (lse->strides[2] != 1 && want[2] > 1)
      bad("lse.strides[2] (seq) must be 1, got " + std::to_string(lse->strides[2]));
    const int64_t lse_strides[3] = {lse->strides[0], lse->strides[1], 1};
    const Range rl = byte_range("lse", lse->data, lse->shape.data(), lse_strides, 3, 4);
    check_no_self_overlap("lse", lse->shape.data(), lse_strides, 3);
    check_disjoint("lse", rl, "q", rq);
    check_disjoint("lse", rl, "k", rk);
    check_disjoint("lse", rl, "v", rv);
    check_disjoint("lse", rl, "out", ro);
    p.lse = static_cast<float*>(lse->data);
    p.lse_stride_b = lse->strides[0];
    p.lse_stride_h = lse->strides[1];
  }

  const int64_t head_dim = cq.shape[3];
  float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  if (options.sm_scale) {
    scale = *options.sm_scale;
    if (!std::isfinite(scale) || scale <= 0.0f)
      bad("options.sm_scale must be finite and > 0, got " + std::to_string(scale));
  }

  p.dtype = static_cast<int32_t>(q.dtype);
  p.device_index = q.device_index;
  p.batch = cq.shape[0];
  p.heads_q = cq.shape[1];
  p.heads_kv = ck.shape[1];
  p.seq_q = cq.shape[2];
  p.seq_kv = ck.shape[2];
  p.head_dim = head_dim;
  auto view = [](void* data, const Canon& c) {
    return dattn_view{data, c.strides[0], c.strides[1], c.strides[2]};
  };
  p.q = view(q.data, cq);
  p.k = view(k.data, ck);
  p.v = view(v.data, cv);
  p.out = view(out.data, co);
  p.sm_scale = scale;
  p.causal = options.causal ? 1 : 0;
  p.sage_pv = static_cast<int32_t>(SagePV::automatic);
  p.stream = options.stream;
  return p;
}

}  // namespace dattn
