// The f32 "SIMD" kernels at the scalar level: the same loop templates and math over the
// one-lane VecScalar, compiled at the baseline ISA with the addon; and simd_kernels(), the table
// of the ISA cpu_isa() chose.
#include "cpu.h"
#include "simd/loops.h"
#include "simd/vec_scalar.h"

namespace tl {

TL_DEFINE_SIMD_KERNELS(scalar, VecScalar)

const SimdKernels& simd_kernels() {
  static const SimdKernels* k = [] {
    switch (cpu_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
      case Isa::avx512: return &simd_kernels__avx512();
      case Isa::avx2: return &simd_kernels__avx2();
#elif defined(__aarch64__)
      case Isa::neon: return &simd_kernels__neon();
#endif
      default: return &simd_kernels__scalar();
    }
  }();
  return *k;
}

}  // namespace tl
