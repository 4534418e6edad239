#include "select/sage_pv.h"

#include "select/gpu_capability.h"

namespace dattn::sage_pv {

Decision resolve(Platform platform, int device, SagePV requested, const probe::Probe& probe) {
  if (requested != SagePV::automatic && requested != SagePV::fp8 && requested != SagePV::f16)
    throw Error(ErrorCode::invalid_argument,
                "sage_pv: expected auto, fp8 or f16, got value " +
                    std::to_string(static_cast<int>(requested)));
  const std::string where = std::string(to_string(platform)) + ":" + std::to_string(device);
  if (platform == Platform::cpu) {
    if (requested == SagePV::automatic)
      return {SagePV::f16, "sage_attn P·V in f16 (automatic: fp8 buys no speed on the CPU)", ""};
    return {requested, std::string("sage_attn P·V in ") + to_string(requested) + " (requested)",
            ""};
  }
  const std::optional<int> cc = probe.compute_capability(device);
  const bool fp8_cores = cc && *cc >= gpu_capability::kMinFp8Cc;
  const std::string device_text =
      cc ? where + " (compute capability " + gpu_capability::cc_name(*cc) + ")" : where;
  // FP8 tensor cores first, then a kernel built for them: availability is real, not declared.
  const probe::Verdict image = fp8_cores ? probe.sage_fp8_image(device) : probe::Verdict{};
  if (requested == SagePV::automatic) {
    if (!fp8_cores)
      return {SagePV::f16, "sage_attn P·V in f16 (automatic: " + device_text + " has no FP8 tensor cores)", ""};
    if (!image.ok)
      return {SagePV::f16, "sage_attn P·V in f16 (automatic: " + device_text + " has FP8 tensor cores, but " +
                               image.reason + ")",
              ""};
    return {SagePV::fp8, "sage_attn P·V in fp8 (automatic: " + device_text + " has FP8 tensor cores)", ""};
  }
  if (requested == SagePV::f16 || (fp8_cores && image.ok))
    return {requested, std::string("sage_attn P·V in ") + to_string(requested) + " (requested)",
            ""};
  const std::string why = fp8_cores ? image.reason
                                    : "fp8 P·V needs FP8 tensor cores (compute capability >= " +
                                          gpu_capability::cc_name(gpu_capability::kMinFp8Cc) + "), which " +
                                          device_text + " lacks";
  const std::string remedy = fp8_cores ? image.remedy : "request f16, or run on an sm_89/sm_90 GPU";
  return {SagePV::f16, "sage_attn P·V in f16: " + why,
          "sage_attn P·V precision fallback on " + where + ": requested fp8 -> chosen f16: " + why +
              " (remedy: " + remedy + ")"};
}

}  // namespace dattn::sage_pv
