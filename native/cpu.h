// Run-time CPU feature selection. The addon is compiled at the baseline ISA; SIMD kernels live
// in separately compiled translation units and are only called when cpu_isa() allows them.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tl {

// One iteration of a spin-wait: PAUSE on x86, YIELD on arm64 (eases the sibling thread and
// the memory system while polling).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// x86 levels are ordered: avx512 (F, BW, DQ, VL, with the OS saving zmm state) implies avx2+fma.
enum class Isa { scalar, avx2, avx512, neon };

// Best ISA this CPU supports, capped by the TL_ISA environment variable
// (scalar|avx2|avx512|neon). Detected once and cached; never returns an ISA the CPU lacks.
Isa cpu_isa();
// True if kernels of level `isa` may run: the chosen ISA is `isa` or a superset of it (an
// AVX-512 machine also runs the AVX2 kernels where no AVX-512 one exists).
bool cpu_has(Isa isa);
const char* isa_name(Isa isa);

}  // namespace tl
