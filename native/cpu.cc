// Detects the SIMD level once. TL_ISA only lowers the choice (useful for testing the scalar
// fallbacks on a machine with AVX2); asking for something the CPU lacks is ignored.
#include "cpu.h"

#include <cstdlib>
#include <cstring>

namespace tl {

namespace {

Isa detect_hw() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // libgcc reports an AVX/AVX-512 feature only when the OS saves its register state (XCR0).
  if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return Isa::scalar;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return Isa::avx512;
  return Isa::avx2;
#elif defined(__aarch64__)
  return Isa::neon;  // Advanced SIMD is mandatory on AArch64
#else
  return Isa::scalar;
#endif
}

Isa detect() {
  Isa hw = detect_hw();
  const char* env = std::getenv("TL_ISA");
  if (env == nullptr || *env == '\0') return hw;
  if (std::strcmp(env, "scalar") == 0) return Isa::scalar;
  // A named SIMD level is honoured only if the hardware has it (avx2 caps an AVX-512 CPU).
  if (std::strcmp(env, "avx2") == 0 && (hw == Isa::avx2 || hw == Isa::avx512)) return Isa::avx2;
  if (std::strcmp(env, "avx512") == 0 && hw == Isa::avx512) return Isa::avx512;
  if (std::strcmp(env, "neon") == 0 && hw == Isa::neon) return Isa::neon;
  return hw;
}

}  // namespace

Isa cpu_isa() {
  static const Isa isa = detect();  // thread-safe one-time init (C++11 magic statics)
  return isa;
}

bool cpu_has(Isa isa) {
  const Isa have = cpu_isa();
  if (isa == Isa::scalar || isa == have) return true;
  return isa == Isa::avx2 && have == Isa::avx512;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
  }
  return "unknown";
}

}  // namespace tl
