// Run-time CPU feature selection. The addon is compiled at the baseline ISA; SIMD kernels live
// in separately compiled translation units and are only called when cpu_isa() allows them.
#pragma once

namespace tl {

enum class Isa { scalar, avx2, neon };

// Best ISA this CPU supports, capped by the TL_ISA environment variable (scalar|avx2|neon).
// Detected once and cached; never returns an ISA the CPU lacks.
Isa cpu_isa();
const char* isa_name(Isa isa);

}  // namespace tl
