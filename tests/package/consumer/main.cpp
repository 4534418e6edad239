// Runs a small attention through the installed library's C++ API and C ABI and checks both
// against a double-precision reference computed here (the consumer sees only the public headers).
#include <dattn/c_api.h>
#include <dattn/dattn.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

constexpr int64_t B = 1, H = 2, S = 37, D = 64;  // odd length: a tiling bug shows
constexpr double kTolerance = 1e-4;              // f32 inputs and output, fp32 accumulation

double max_error(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                 const std::vector<float>& out) {
  double worst = 0;
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  for (int64_t h = 0; h < B * H; ++h) {
    for (int64_t i = 0; i < S; ++i) {
      std::vector<double> p(S);
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < S; ++j) {
        double s = 0;
        for (int64_t d = 0; d < D; ++d) s += double{q[(h * S + i) * D + d]} * k[(h * S + j) * D + d];
        p[j] = s * scale;
        m = std::max(m, p[j]);
      }
      for (double& x : p) sum += x = std::exp(x - m);
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j < S; ++j) o += p[j] * v[(h * S + j) * D + d];
        const double got = out[(h * S + i) * D + d];
        if (!std::isfinite(got)) return INFINITY;
        worst = std::max(worst, std::abs(got - o / sum));
      }
    }
  }
  return worst;
}

}  // namespace

int main() {
  std::mt19937 rng(std::random_device{}());
  std::normal_distribution<float> normal;
  const size_t n = B * H * S * D;
  std::vector<float> q(n), k(n), v(n), out(n, NAN), out_c(n, NAN);
  for (auto* t : {&q, &k, &v}) for (float& x : *t) x = normal(rng);

  auto view = [](std::vector<float>& t) { return dattn::contiguous_tensor(t.data(), dattn::DType::f32, {B, H, S, D}); };
  dattn::Options options;
  options.backend = "sdpa";
  const dattn::Selection ran = dattn::attention(view(q), view(k), view(v), view(out), nullptr, options);
  const double err_cpp = max_error(q, k, v, out);

  dattn_tensor tq{}, tk{}, tv{}, to{};
  for (auto [t, data] : {std::pair{&tq, &q}, {&tk, &k}, {&tv, &v}, {&to, &out_c}}) {
    const dattn::Tensor x = view(*data);
    *t = dattn_tensor{x.data, DATTN_F32, DATTN_CPU, 0, {B, H, S, D}, {x.strides[0], x.strides[1], x.strides[2], 1}};
  }
  dattn_options copts;
  dattn_options_init(&copts);
  int32_t chosen = -1;
  const dattn_status status = dattn_attention(&tq, &tk, &tv, &to, nullptr, &copts, &chosen);
  const double err_c = status == DATTN_OK ? max_error(q, k, v, out_c) : INFINITY;

  std::printf("dattn %s: C++ API ran %s, max error %.3g; C ABI status %d (%s), backend %d, max error %.3g\n",
              dattn::version(), dattn::to_string(ran.backend), err_cpp, status,
              status == DATTN_OK ? "ok" : dattn_last_error(), chosen, err_c);
  const bool ok = ran.backend == dattn::Backend::sdpa && err_cpp < kTolerance && err_c < kTolerance;
  return ok ? 0 : 1;
}
