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
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
  return Isa::scalar;
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
  // A named SIMD level is honoured only if it is exactly what the hardware has.
  if (std::strcmp(env, "avx2") == 0 && hw == Isa::avx2) return Isa::avx2;
  if (std::strcmp(env, "neon") == 0 && hw == Isa::neon) return Isa::neon;
  return hw;
}

}  // namespace

Isa cpu_isa() {
  static const Isa isa = detect();  // thread-safe one-time init (C++11 magic statics)
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::neon: return "neon";
  }
  return "unknown";
}

}  // namespace tl
