// The f32 SIMD kernels for AArch64 Advanced SIMD (simd/loops.h over VecNeon); simd_kernels()
// hands them out when cpu_isa() is neon (TL_ISA=scalar still selects the portable table).
#if defined(__aarch64__)
#include "simd/loops.h"
#include "simd/vec_neon.h"

namespace tl {
TL_DEFINE_SIMD_KERNELS(neon, VecNeon)
}  // namespace tl
#endif
