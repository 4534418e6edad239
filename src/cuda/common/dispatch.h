// The one layer where runtime values (head dim, dtype, flags) become template parameters.
// Every switch fails loudly, naming the value and what is supported, so an unsupported
// request can never silently run a wrong instantiation.
//
//   DATTN_DISPATCH_HEAD_DIM(p.head_dim, D, { return launch<D>(p); });
//   DATTN_DISPATCH_VALUES(p.head_dim, "head_dim", D, (64, 96, 128, 256), { ... });
//   DATTN_DISPATCH_DTYPE(p.dtype, T, { ... T is float, __half or __nv_bfloat16 ... });
//   DATTN_DISPATCH_HALF_DTYPE(p.dtype, T, { ... T is __half or __nv_bfloat16 ... });
//   DATTN_DISPATCH_BOOL(p.causal != 0, kCausal, { ... });
//
// The body is the body of a generic lambda: `return` returns from the dispatch expression.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dattn/types.h"

namespace dattn::cuda {

template <int... Vs>
std::string supported_list() {
  std::string s;
  ((s += (s.empty() ? "" : ", ") + std::to_string(Vs)), ...);
  return s;
}

template <int V, int...>
inline constexpr int kFirstOf = V;

// Calls f(std::integral_constant<int, V>) for the V in Vs equal to value; throws otherwise.
template <int... Vs, class F>
decltype(auto) dispatch_values(int64_t value, const char* what, F&& f) {
  using R = decltype(f(std::integral_constant<int, kFirstOf<Vs...>>{}));
  if constexpr (std::is_void_v<R>) {
    const bool hit = ((value == Vs ? (f(std::integral_constant<int, Vs>{}), true) : false) || ...);
    if (!hit) {
      throw std::invalid_argument("unsupported " + std::string(what) + ": " + std::to_string(value) +
                                  " (supported: " + supported_list<Vs...>() + ")");
    }
  } else {
    R result{};
    const bool hit =
        ((value == Vs ? (result = f(std::integral_constant<int, Vs>{}), true) : false) || ...);
    if (!hit) {
      throw std::invalid_argument("unsupported " + std::string(what) + ": " + std::to_string(value) +
                                  " (supported: " + supported_list<Vs...>() + ")");
    }
    return result;
  }
}

// bf16/f16/f32 element traits: the CUDA type of a dattn::DType and its float conversions.
template <class T>
struct ElementTraits;

template <>
struct ElementTraits<float> {
  static constexpr DType kDType = DType::f32;
  static constexpr const char* kName = "f32";
  __host__ __device__ static float to_float(float x) { return x; }
  __host__ __device__ static float from_float(float x) { return x; }
};

template <>
struct ElementTraits<__half> {
  static constexpr DType kDType = DType::f16;
  static constexpr const char* kName = "f16";
  __host__ __device__ static float to_float(__half x) { return __half2float(x); }
  __host__ __device__ static __half from_float(float x) { return __float2half_rn(x); }
};

template <>
struct ElementTraits<__nv_bfloat16> {
  static constexpr DType kDType = DType::bf16;
  static constexpr const char* kName = "bf16";
  __host__ __device__ static float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
  __host__ __device__ static __nv_bfloat16 from_float(float x) { return __float2bfloat16_rn(x); }
};

template <class T>
inline constexpr bool kIsHalfType =
    std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

[[noreturn]] inline void throw_unsupported_dtype(int32_t dtype, const char* supported) {
  const std::string name = dtype == static_cast<int32_t>(DType::f32)    ? "f32"
                           : dtype == static_cast<int32_t>(DType::f16)  ? "f16"
                           : dtype == static_cast<int32_t>(DType::bf16) ? "bf16"
                                                                        : std::to_string(dtype);
  throw std::invalid_argument("unsupported dtype: " + name + " (supported: " + supported + ")");
}

}  // namespace dattn::cuda

#define DATTN_DETAIL_EXPAND(...) __VA_ARGS__
#define DATTN_DETAIL_UNPAREN(list) DATTN_DETAIL_EXPAND list

#define DATTN_DISPATCH_VALUES(runtime_value, what, NAME, list, ...)                      \
  ::dattn::cuda::dispatch_values<DATTN_DETAIL_UNPAREN(list)>(                            \
      (runtime_value), (what), [&](auto dattn_tag_) {                                            \
        constexpr int NAME = decltype(dattn_tag_)::value;                                \
        __VA_ARGS__                                                                      \
      })

// The head dims every tensor-core kernel family (fa, sage_attn) is built for. A family that
// supports more names its own list through DATTN_DISPATCH_VALUES.
#define DATTN_DISPATCH_HEAD_DIM(d, NAME, ...) \
  DATTN_DISPATCH_VALUES(d, "head_dim", NAME, (64, 128), __VA_ARGS__)

#define DATTN_DISPATCH_BOOL(cond, NAME, ...)          \
  [&] {                                               \
    if (cond) {                                       \
      constexpr bool NAME = true;                     \
      return [&] { __VA_ARGS__ }();                   \
    } else {                                          \
      constexpr bool NAME = false;                    \
      return [&] { __VA_ARGS__ }();                   \
    }                                                 \
  }()

#define DATTN_DISPATCH_DTYPE(dtype, T, ...)                                     \
  [&] {                                                                         \
    switch (static_cast<::dattn::DType>(dtype)) {                               \
      case ::dattn::DType::f32: {                                               \
        using T = float;                                                        \
        return [&] { __VA_ARGS__ }();                                           \
      }                                                                         \
      case ::dattn::DType::f16: {                                               \
        using T = __half;                                                       \
        return [&] { __VA_ARGS__ }();                                           \
      }                                                                         \
      case ::dattn::DType::bf16: {                                              \
        using T = __nv_bfloat16;                                                \
        return [&] { __VA_ARGS__ }();                                           \
      }                                                                         \
    }                                                                           \
    ::dattn::cuda::throw_unsupported_dtype((dtype), "f32, f16, bf16");          \
  }()

#define DATTN_DISPATCH_HALF_DTYPE(dtype, T, ...)                                \
  [&] {                                                                         \
    switch (static_cast<::dattn::DType>(dtype)) {                               \
      case ::dattn::DType::f16: {                                               \
        using T = __half;                                                       \
        return [&] { __VA_ARGS__ }();                                           \
      }                                                                         \
      case ::dattn::DType::bf16: {                                              \
        using T = __nv_bfloat16;                                                \
        return [&] { __VA_ARGS__ }();                                           \
      }                                                                         \
      default:                                                                  \
        break;                                                                  \
    }                                                                           \
    ::dattn::cuda::throw_unsupported_dtype((dtype), "f16, bf16");               \
  }()
