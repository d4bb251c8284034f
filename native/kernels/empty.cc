// Placeholder translation unit so the AVX2 and NEON library targets exist on every build.
