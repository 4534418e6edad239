// The C ABI: converts, calls the C++ API, and turns every exception into a status code and a
// per-thread message. Integer fields from C are range-checked before becoming enums.
#include "dattn/c_api.h"

#include <exception>
#include <new>
#include <string>

#include "dattn/dattn.h"

namespace {

thread_local std::string last_error;

[[noreturn]] void bad(const std::string& message) {
  throw dattn::Error(dattn::ErrorCode::invalid_argument, message);
}

int32_t checked(const std::string& name, int32_t value, int32_t lo, int32_t hi,
                const char* expected) {
  if (value < lo || value > hi)
    bad(name + ": expected " + expected + ", got " + std::to_string(value));
  return value;
}

dattn::Tensor to_tensor(const char* name, const dattn_tensor* t) {
  if (!t) bad(std::string(name) + " is a null pointer");
  dattn::Tensor r;
  r.data = t->data;
  r.dtype = static_cast<dattn::DType>(checked(std::string(name) + ".dtype", t->dtype, 0, 2,
                                              "DATTN_F32, DATTN_F16 or DATTN_BF16"));
  r.device = static_cast<dattn::DeviceType>(checked(std::string(name) + ".device", t->device, 0,
                                                    2, "DATTN_CPU, DATTN_CUDA or DATTN_MUSA"));
  r.device_index = t->device_index;
  for (int d = 0; d < 4; ++d) {
    r.shape[d] = t->shape[d];
    r.strides[d] = t->strides[d];
  }
  return r;
}

dattn::Options to_options(const dattn_options* o) {
  dattn::Options r;
  if (!o) return r;  // NULL: every default
  r.layout = static_cast<dattn::Layout>(
      checked("options.layout", o->layout, 0, 1, "DATTN_HND or DATTN_NHD"));
  r.causal = checked("options.causal", o->causal, 0, 1, "0 or 1") == 1;
  // 0 is the C default (unset); anything else, negative, NaN or infinite included, goes to
  // validation, which refuses what is not a finite scale > 0.
  if (o->sm_scale != 0.0f) r.sm_scale = o->sm_scale;
  if (o->backend) r.backend = o->backend;
  if (checked("options.policy", o->policy, -1, 1, "-1 (DATTN_STRICT), 0 (warn) or 1 (strict)") >= 0)
    r.policy = static_cast<dattn::Policy>(o->policy);
  r.sage_pv = static_cast<dattn::SagePV>(
      checked("options.sage_pv", o->sage_pv, 0, 2, "0 (automatic), 1 (fp8) or 2 (f16)"));
  r.stream = o->stream;
  return r;
}

dattn_status fail(dattn_status status, const char* message) {
  try {
    last_error = message;
  } catch (...) {
    // Out of memory for the message itself: the status still tells the caller.
  }
  return status;
}

}  // namespace

extern "C" {

void dattn_options_init(dattn_options* options) {
  if (!options) return;
  options->layout = DATTN_HND;
  options->causal = 0;
  options->sm_scale = 0.0f;
  options->backend = nullptr;
  options->policy = -1;
  options->sage_pv = 0;
  options->stream = nullptr;
}

dattn_status dattn_attention(const dattn_tensor* q, const dattn_tensor* k, const dattn_tensor* v,
                             const dattn_tensor* out, const dattn_tensor* lse,
                             const dattn_options* options, int32_t* chosen_backend) {
  last_error.clear();
  try {
    const dattn::Tensor tq = to_tensor("q", q), tk = to_tensor("k", k), tv = to_tensor("v", v),
                        to = to_tensor("out", out);
    dattn::Tensor tl;
    if (lse) tl = to_tensor("lse", lse);
    const dattn::Selection s =
        dattn::attention(tq, tk, tv, to, lse ? &tl : nullptr, to_options(options));
    if (chosen_backend) *chosen_backend = static_cast<int32_t>(s.backend);
    return DATTN_OK;
  } catch (const dattn::Error& e) {
    return fail(static_cast<dattn_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return fail(DATTN_ERROR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(DATTN_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(DATTN_ERROR_INTERNAL, "unknown exception");
  }
}

const char* dattn_last_error(void) { return last_error.c_str(); }

const char* dattn_version(void) { return dattn::version(); }

}  // extern "C"
