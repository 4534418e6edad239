// dattn._dattn: the thin binding layer. Tensors arrive by DLPack (zero copy); everything
// framework-specific (allocating outputs, CUDA streams, PyTorch routing) lives in the Python
// package, which is the only caller of these functions.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "dattn/dattn.h"
#include "tensor_view.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace dattn::python {
namespace {

using SelectionTuple = std::tuple<std::string, std::string, std::string, bool, std::vector<std::string>>;
using RowTuple = std::tuple<std::string, std::string, bool, std::vector<std::string>, std::string, std::string>;

SelectionTuple to_tuple(const Selection& s) {
  return {to_string(s.platform), s.requested, to_string(s.backend), s.fallback, s.reasons};
}

// strict=False leaves the policy to DATTN_STRICT, as the CLI does without its flag.
std::optional<Policy> policy_of(bool strict) {
  return strict ? std::optional<Policy>(Policy::strict) : std::nullopt;
}

SelectionTuple run_attention(const nb::ndarray<nb::ro>& q, const nb::ndarray<nb::ro>& k,
                             const nb::ndarray<nb::ro>& v, const nb::ndarray<>& out,
                             const std::optional<nb::ndarray<>>& lse, const std::string& layout,
                             bool causal, std::optional<float> sm_scale, const std::string& backend,
                             bool strict, const std::optional<std::string>& sage_pv,
                             std::uintptr_t stream, bool bf16_bits) {
  const Tensor tq = attention_operand(info_of(q, "q"), bf16_bits);
  const Tensor tk = attention_operand(info_of(k, "k"), bf16_bits);
  const Tensor tv = attention_operand(info_of(v, "v"), bf16_bits);
  const Tensor tout = attention_operand(info_of(out, "out"), bf16_bits);
  std::optional<Tensor> tlse;
  if (lse) tlse = lse_operand(info_of(*lse, "lse"));

  Options options;
  options.layout = parse_layout(layout);
  options.causal = causal;
  options.sm_scale = sm_scale;
  options.backend = backend;
  options.policy = policy_of(strict);
  if (sage_pv) options.sage_pv = parse_sage_pv(*sage_pv);
  options.stream = reinterpret_cast<void*>(stream);

  Selection selection;
  {
    // CPU kernels run for a while on their own threads; other Python threads may go on.
    nb::gil_scoped_release release;
    selection = attention(tq, tk, tv, tout, tlse ? &*tlse : nullptr, options);
  }
  return to_tuple(selection);
}

SelectionTuple run_select(const std::optional<std::string>& platform, const std::string& backend,
                          int64_t head_size, const std::string& dtype, bool strict, int device_index) {
  SelectQuery query;
  if (platform) query.platform = parse_platform(*platform);
  query.requested = backend;
  query.head_size = head_size;
  query.dtype = parse_dtype(dtype);
  query.policy = policy_of(strict);
  query.device_index = device_index;
  return to_tuple(select(query));
}

std::vector<RowTuple> run_backend_table() {
  std::vector<RowTuple> rows;
  for (const BackendStatus& s : backend_table()) {
    rows.emplace_back(to_string(s.platform), to_string(s.backend), s.available, s.reasons,
                      s.head_sizes, s.dtypes);
  }
  return rows;
}

// invalid_argument is the caller's mistake (ValueError); everything else is the library or
// the platform refusing (RuntimeError). The message is the library's, unchanged.
void translate_error(const std::exception_ptr& error, void*) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    PyErr_SetString(e.code() == ErrorCode::invalid_argument ? PyExc_ValueError : PyExc_RuntimeError,
                    e.what());
  }
}

}  // namespace
}  // namespace dattn::python

NB_MODULE(_dattn, m) {
  using namespace dattn::python;
  m.doc() = "dattn's binding layer; use the functions of the dattn package instead.";
  nb::register_exception_translator(&translate_error);

  m.def("attention", &run_attention, "q"_a, "k"_a, "v"_a, "out"_a, "lse"_a.none(), "layout"_a,
        "causal"_a, "sm_scale"_a.none(), "backend"_a, "strict"_a, "sage_pv"_a.none(), "stream"_a,
        "bf16_bits"_a,
        "Runs attention into `out` (and `lse`); returns the selection that ran as "
        "(platform, requested, backend, fallback, reasons).");
  m.def("select", &run_select, "platform"_a.none(), "backend"_a, "head_size"_a, "dtype"_a,
        "strict"_a, "device_index"_a,
        "The selection for a query, as (platform, requested, backend, fallback, reasons).");
  m.def("backend_table", &run_backend_table,
        "Rows (platform, backend, available, reasons, head_sizes, dtypes) of the backend table.");
  m.def("detect_platform", [] { return std::string(dattn::to_string(dattn::detect_platform())); },
        "The platform dattn runs on: DATTN_PLATFORM, else cuda, musa, cpu, the first present.");
  m.def("version", [] { return std::string(dattn::version()); }, "The library's version.");
}
