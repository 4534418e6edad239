// Hot element-wise loops are compiled three times (AVX-512, AVX2+FMA, baseline) and picked
// at load time by the compiler's ifunc resolver: the library is built for generic x86-64,
// yet uses the wide units of the machine it runs on. GCC only: clang's target_clones takes
// a narrower set of names; it gets the baseline loops.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DATTN_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DATTN_CPU_CLONES
#endif
