# A minimal stand-in for Node's include/node/common.gypi, used by scripts/install.cjs when the
# running Node has no include/node directory: the addon is built against the `node-api-headers`
# package (Node-API only, no V8/libuv headers) with these defaults. Keep it to what an addon
# needs; binding.gyp carries the project's own flags.
{
  'variables': {
    'clang%': 0,
    'host_arch%': '',
    'target_arch%': '',
    'node_shared%': 'false',
    'node_module_version%': '',
    'standalone_static_library%': 0,
  },
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': {
        'defines': ['DEBUG', '_DEBUG'],
        'cflags': ['-g', '-O0'],
        'xcode_settings': { 'GCC_OPTIMIZATION_LEVEL': '0' },
      },
      'Release': {
        'cflags': ['-O3', '-fno-omit-frame-pointer'],
        'xcode_settings': { 'GCC_OPTIMIZATION_LEVEL': '3' },
      },
    },
    'conditions': [
      ['OS in "linux freebsd openbsd netbsd solaris android"', {
        'cflags': ['-pthread', '-fPIC'],
        'ldflags': ['-pthread'],
        'conditions': [
          ['target_arch=="x64"', { 'cflags': ['-m64'], 'ldflags': ['-m64'] }],
          ['target_arch=="ia32"', { 'cflags': ['-m32'], 'ldflags': ['-m32'] }],
        ],
      }],
      ['OS=="mac"', {
        'xcode_settings': {
          'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
          'CLANG_CXX_LIBRARY': 'libc++',
        },
      }],
    ],
  },
}
