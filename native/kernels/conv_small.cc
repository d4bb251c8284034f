// The choice of conv_small.h's ISA level.
#include "conv_small.h"
#include "cpu.h"

namespace tl {

// At most 8 channels run 8 lanes wide on AVX-512 too (a half-empty 16-lane vector costs more in
// masked loads than it saves: 1.3-1.5x slower on the CNN's 8-channel first layer).
ConvRowsFn conv_rows_f32_fn(int64_t cout) {
  switch (cpu_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::avx512: return cout <= 8 ? conv_rows_f32__avx2 : conv_rows_f32__avx512;
    case Isa::avx2: return conv_rows_f32__avx2;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case Isa::neon: return conv_rows_f32__neon;
#endif
    default: return nullptr;
  }
}

FilterGradRowsFn filter_grad_rows_f32_fn(int64_t cout) {
  switch (cpu_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::avx512: return cout <= 8 ? filter_grad_rows_f32__avx2 : filter_grad_rows_f32__avx512;
    case Isa::avx2: return filter_grad_rows_f32__avx2;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case Isa::neon: return filter_grad_rows_f32__neon;
#endif
    default: return nullptr;
  }
}

}  // namespace tl
