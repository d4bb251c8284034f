#!/usr/bin/env bash
# Checks prebuilds/linux-arm64 (from `npm run prebuild`) the way an arm64 user gets it: the packed
# package, installed into an app, run by Debian's arm64 nodejs under qemu-user. It
#   - runs the package's install script under arm64 Node: it must pick the prebuild (no build),
#   - runs the seed examples (dist/cjs/examples/seed-*.js) and a matmul graph under arm64 Node and
#     compares their output with this machine's Node.
# Needs qemu-aarch64 (Debian qemu-user) and an arm64 root with nodejs: ARM64_ROOT, else one is made
# in /tmp/tensorloom-arm64root from Debian's arm64 packages (dpkg multiarch: `apt-get download`,
# `dpkg -x`; nothing is installed into this system but the arm64 package lists).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || { echo "check-arm64: skipped: no qemu-aarch64 (apt-get install qemu-user)"; exit 0; }
[ -f prebuilds/linux-arm64/tensorloom.napi.glibc.node ] || { echo "check-arm64: no prebuilds/linux-arm64: run npm run prebuild first" >&2; exit 1; }
[ -f dist/cjs/examples/seed-1-constants.js ] || npm run build:ts

sysroot=${ARM64_ROOT:-/tmp/tensorloom-arm64root}
if [ ! -x "$sysroot/usr/bin/node" ]; then
  command -v apt-get >/dev/null || { echo "check-arm64: skipped: no arm64 node root (set ARM64_ROOT) and no apt-get"; exit 0; }
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then dpkg --add-architecture arm64; fi
  apt-get update -qq
  debs=$(mktemp -d)
  # nodejs:arm64 and what it depends on (the arm64 libraries and the arch-independent node-* packages).
  pkgs=$(apt-get install -s -y --no-install-recommends nodejs:arm64 | awk '/^Inst/ {print $2}' | grep -E ':arm64$|^node-')
  (cd "$debs" && apt-get download $pkgs >/dev/null)
  mkdir -p "$sysroot"
  for d in "$debs"/*.deb; do dpkg -x "$d" "$sysroot"; done
  rm -rf "$debs"
fi
arm_node=("$qemu" -L "$sysroot" "$sysroot/usr/bin/node")
echo "check-arm64: $("${arm_node[@]}" -p '`node ${process.version} ${process.arch}, Node-API ${process.versions.napi}`') under $(basename "$qemu")"

work=$(mktemp -d "${TMPDIR:-/tmp}/tensorloom-arm64-XXXXXX")
trap 'rm -rf "$work"' EXIT
tgz=$(npm pack --ignore-scripts --silent --pack-destination "$work")
app=$work/app
mkdir -p "$app/node_modules/tensorloom"
tar xzf "$work/$tgz" -C "$app/node_modules/tensorloom" --strip-components=1
# The runtime dependencies are plain JavaScript: this checkout's copies serve.
for dep in $(node -p "Object.keys(require('./package.json').dependencies).join(' ')"); do
  mkdir -p "$(dirname "$app/node_modules/$dep")"
  ln -s "$root/node_modules/$dep" "$app/node_modules/$dep"
done
[ ! -e "$app/node_modules/tensorloom/build" ] || { echo "check-arm64: the tarball ships build/" >&2; exit 1; }

# The install script under arm64 Node: a loadable prebuild, so no build (no compiler is reachable anyway).
(cd "$app/node_modules/tensorloom" && PATH=/nonexistent "${arm_node[@]}" scripts/install.cjs)
[ ! -e "$app/node_modules/tensorloom/build" ] || { echo "check-arm64: the install script built from source" >&2; exit 1; }
picked=$(cd "$app" && "${arm_node[@]}" -p "require('node-gyp-build').resolve('node_modules/tensorloom')")
echo "check-arm64: node-gyp-build loads ${picked#$app/node_modules/tensorloom/}"

cat > "$app/matmul.js" <<'EOF'
const tf = require('tensorloom');
const n = 37;  // not a multiple of any micro-kernel tile
const a = tf.constant(Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) - 6), null, [n, n]);
const b = tf.constant(Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) - 5), null, [n, n]);
const y = tf.reduceSum(tf.nn.relu(tf.matmul(a, b)), 1);
const s = new tf.Session();
console.log(Array.from(s.run(y).data).join(' '));
console.error('isa', tf.isa());
EOF
fail=0
for ex in dist/cjs/examples/seed-*.js matmul; do
  if [ "$ex" = matmul ]; then f=$app/matmul.js; else f=$app/$(basename "$ex"); cp "$ex" "$f"; fi
  # The x64 reference: this checkout's own build (node-gyp-build honours TENSORLOOM_PREBUILD).
  want=$(cd "$app" && TENSORLOOM_PREBUILD=$root node "$f" 2>/dev/null) || { echo "FAIL $(basename "$f") on x64"; fail=1; continue; }
  got=$(cd "$app" && "${arm_node[@]}" "$f" 2>"$work/err") || { cat "$work/err"; fail=1; }
  if [ "$got" = "$want" ]; then echo "ok   $(basename "$f") (arm64 output = x64 output) $(grep -h isa "$work/err" || true)"
  else echo "FAIL $(basename "$f"): arm64 printed [$got], x64 printed [$want]"; cat "$work/err"; fail=1; fi
done
exit $fail
