// Lists the native sources of one build group for binding.gyp (`<!@(node scripts/native-sources.cjs base)`),
// so adding a kernel file needs no edit of binding.gyp. Groups by file name suffix:
//   base    native/*.cc and native/kernels/*.cc, except the per-ISA files and addon-free helpers
//   avx2    native/kernels/*_avx2.cc      (compiled with -mavx2 -mfma)
//   avx512  native/kernels/*_avx512.cc    (compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma)
//   neon    native/kernels/*_neon.cc      (AArch64)
// An empty group prints native/kernels/empty.cc so a static library always has a source.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const isas = ['avx2', 'avx512', 'neon'];
const group = process.argv[2] || 'base';
const list = (dir) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.cc')).sort().map((f) => `${dir}/${f}`);
const all = [...list('native'), ...list('native/kernels')];
const isaOf = (f) => isas.find((i) => f.endsWith(`_${i}.cc`));
const out = group === 'base'
  ? all.filter((f) => !isaOf(f) && !f.endsWith('/empty.cc'))
  : all.filter((f) => isaOf(f) === group);
console.log((out.length ? out : ['native/kernels/empty.cc']).join(' '));
