// The f32 SIMD kernels at the AVX-512 level (simd/loops.h over VecAvx512), compiled with the
// AVX-512 flags in their own library; simd_kernels() hands them out when cpu_isa() is avx512.
#if defined(__x86_64__) || defined(_M_X64)
#include "simd/loops.h"
#include "simd/vec_avx512.h"

namespace tl {
TL_DEFINE_SIMD_KERNELS(avx512, VecAvx512)
}  // namespace tl
#endif
