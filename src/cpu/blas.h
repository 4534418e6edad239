// OpenBLAS for the block products of fa and sage_attn's P V. Why OpenBLAS: it is packaged
// by Debian and Ubuntu (and present on the GPU machine's image), and its sgemm is a
// hand-tuned AVX2 / AVX-512 kernel chosen at run time for the CPU in hand; Highway, the
// other candidate, is not on the GPU image.
#pragma once

namespace dattn::cpu {

// Our kernels parallelize over tiles with OpenMP and call sgemm from inside the parallel
// region, so every sgemm must run on the calling thread: a threaded OpenBLAS (the
// pthread build Debian ships) would otherwise start its own pool per call and
// oversubscribe the cores. Sets OpenBLAS to one thread, once per process; note that this
// setting is process-wide, so other OpenBLAS users in the process also get one thread.
void blas_single_threaded();

}  // namespace dattn::cpu
