#include "cpu/blas.h"

#include <cblas.h>

#include <mutex>

namespace dattn::cpu {

void blas_single_threaded() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

}  // namespace dattn::cpu
