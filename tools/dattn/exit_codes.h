// The exit status of every dattn command, documented in README.md and in `dattn --help`.
#pragma once

#include "dattn/types.h"

namespace dattn::cli {

enum Exit : int {
  kOk = 0,
  kCheckFailed = 1,      // the result was outside its accuracy bound against fp64
  kBadArguments = 2,     // unknown option or name, malformed shape, invalid backend for the platform
  kFallbackRefused = 3,  // strict policy and the requested backend could not run
  kUnsupported = 4,      // nothing on the platform can run the request
  kDeviceError = 5,      // the CUDA driver or a GPU module reported an error
  kInternal = 6,         // a bug in dattn
  kPlotFailed = 7,       // --plot: python3 with matplotlib is missing or failed
};

inline Exit exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok: return kOk;
    case ErrorCode::invalid_argument: return kBadArguments;
    case ErrorCode::fallback_refused: return kFallbackRefused;
    case ErrorCode::unsupported:
    case ErrorCode::no_backend: return kUnsupported;
    case ErrorCode::device_error: return kDeviceError;
    case ErrorCode::internal: return kInternal;
  }
  return kInternal;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok, 1 accuracy check failed, 2 bad arguments, 3 fallback refused (strict),\n"
    "4 no backend can run it, 5 device error, 6 internal error, 7 --plot failed.";

}  // namespace dattn::cli
