{
  "target_defaults": {
    "include_dirs": ["native"],
    # -fno-math-errno: sqrt never sets errno, so GCC vectorizes loops taking square roots
    # (the Apply* training kernels: ~9x faster ApplyAdam); results are unchanged.
    "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fPIC", "-fexceptions", "-Wall", "-Wno-unused-function"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } }
  },
  "targets": [
    {
      # AVX2/FMA kernels in their own library with their own flags; the addon itself stays
      # at the baseline ISA and picks these at run time (never -march=native).
      "target_name": "tl_kernels_avx2",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "sources": ["<!@(node scripts/native-sources.cjs avx2)"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
        }, {
          "sources": ["native/kernels/empty.cc"]
        }]
      ]
    },
    {
      # AVX-512 (F/BW/DQ/VL) kernels, likewise chosen at run time (cpu_has(Isa::avx512)).
      "target_name": "tl_kernels_avx512",
      "type": "static_library",
      "conditions": [
        ["target_arch=='x64'", {
          "sources": ["<!@(node scripts/native-sources.cjs avx512)"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        }, {
          "sources": ["native/kernels/empty.cc"]
        }]
      ]
    },
    {
      # NEON kernels: Advanced SIMD is baseline on AArch64, so no extra flags; a separate
      # library only to mirror the AVX2 layout (and keep the sources out of other builds).
      "target_name": "tl_kernels_neon",
      "type": "static_library",
      "conditions": [
        ["target_arch=='arm64'", {
          "sources": ["<!@(node scripts/native-sources.cjs neon)"]
        }, {
          "sources": ["native/kernels/empty.cc"]
        }]
      ]
    },
    {
      "target_name": "tensorloom",
      # Every native/*.cc and native/kernels/*.cc but the per-ISA files (scripts/native-sources.cjs).
      "sources": ["<!@(node scripts/native-sources.cjs base)"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        "tl_kernels_avx2",
        "tl_kernels_avx512",
        "tl_kernels_neon"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"]
    }
  ]
}
