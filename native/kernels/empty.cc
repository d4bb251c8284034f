// Placeholder translation unit so the AVX2 library target exists on non-x86 builds.
