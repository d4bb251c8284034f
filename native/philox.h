// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), bit-compatible
// with TensorFlow's random::PhiloxRandom, and the conversions of TF's random_distributions.h that
// turn its 32-bit words into floats, doubles and normal samples. TF1-INTERNALS.md §8.2-8.3.
//
// State: a 128-bit counter c[4] (c[0] least significant) and a 64-bit key k[2]. Seeds (seed,
// seed2) give k = seed, c[2..3] = seed2. Each call encrypts the counter (10 rounds) into 4 words
// and then increments it; skip(n) adds n to the counter, so any position is reachable in O(1).
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tl {

class Philox {
 public:
  using Block = std::array<uint32_t, 4>;
  Philox() = default;
  Philox(uint64_t seed, uint64_t seed2)
      : ctr_{0, 0, static_cast<uint32_t>(seed2), static_cast<uint32_t>(seed2 >> 32)},
        key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)} {}

  // The next 4 words.
  Block operator()() {
    Block c = ctr_;
    uint32_t k0 = key_[0], k1 = key_[1];
    for (int round = 0; round < 10; ++round) {
      if (round) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
      const uint64_t p0 = uint64_t{0xD2511F53u} * c[0], p1 = uint64_t{0xCD9E8D57u} * c[2];
      c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    }
    skip(1);
    return c;
  }

  // Advances the 128-bit counter by n calls.
  void skip(uint64_t n) {
    const uint32_t lo = static_cast<uint32_t>(n);
    uint32_t hi = static_cast<uint32_t>(n >> 32);
    ctr_[0] += lo;
    if (ctr_[0] < lo) ++hi;
    ctr_[1] += hi;
    if (ctr_[1] < hi && ++ctr_[2] == 0) ++ctr_[3];
  }

 private:
  Block ctr_{};
  std::array<uint32_t, 2> key_{};
};

// One word at a time from a Philox generator (TF's SingleSampleAdapter): a call draws 4 words
// and hands them out in order.
class PhiloxWords {
 public:
  explicit PhiloxWords(Philox* gen) : gen_(gen) {}
  uint32_t operator()() {
    if (used_ == 4) { block_ = (*gen_)(); used_ = 0; }
    return block_[used_++];
  }
  // Drops the next n words.
  void skip(uint64_t n) {
    const uint64_t left = 4 - used_;
    if (n <= left) { used_ += static_cast<int>(n); return; }
    n -= left;
    gen_->skip(n / 4);
    used_ = 4;
    if (n % 4) { block_ = (*gen_)(); used_ = static_cast<int>(n % 4); }
  }

 private:
  Philox* gen_;
  Philox::Block block_{};
  int used_ = 4;
};

// [0, 1) from the low 23 bits: 1.mantissa - 1 (TF's Uint32ToFloat).
inline float uint32_to_float(uint32_t x) {
  const uint32_t bits = 0x3F800000u | (x & 0x7FFFFFu);
  float f;
  std::memcpy(&f, &bits, 4);
  return f - 1.0f;
}

// [0, 1) from 52 bits: the low 20 of x0 and all of x1 (TF's Uint64ToDouble).
inline double uint64_to_double(uint32_t x0, uint32_t x1) {
  const uint64_t bits = (uint64_t{1023} << 52) | (static_cast<uint64_t>(x0 & 0xFFFFFu) << 32) | x1;
  double d;
  std::memcpy(&d, &bits, 8);
  return d - 1.0;
}

// Box-Muller in float as TF's BoxMullerFloat: the angle's product in double, libm's float
// functions (bit-exactness depends on them: glibc's give TF's values).
inline void box_muller_float(uint32_t x0, uint32_t x1, float* f0, float* f1) {
  float u1 = uint32_to_float(x0);
  if (u1 < 1.0e-7f) u1 = 1.0e-7f;
  const float v1 = static_cast<float>(2.0f * M_PI * uint32_to_float(x1));
  const float u2 = std::sqrt(-2.0f * std::log(u1));
  *f0 = std::sin(v1) * u2;
  *f1 = std::cos(v1) * u2;
}

// Box-Muller in double from 4 words (TF's BoxMullerDouble).
inline void box_muller_double(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, double* d0, double* d1) {
  double u1 = uint64_to_double(x0, x1);
  if (u1 < 1.0e-7) u1 = 1.0e-7;
  const double v1 = 2 * M_PI * uint64_to_double(x2, x3);
  const double u2 = std::sqrt(-2.0 * std::log(u1));
  *d0 = std::sin(v1) * u2;
  *d1 = std::cos(v1) * u2;
}

}  // namespace tl
