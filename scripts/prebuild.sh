#!/usr/bin/env bash
# npm run prebuild: the Node-API prebuilds that `npm pack` ships (one build per platform serves
# Node 18 to 24: NAPI_VERSION=8, no V8/libuv headers). Named as node-gyp-build selects them:
#   prebuilds/linux-x64/tensorloom.napi.glibc.node     native g++
#   prebuilds/linux-arm64/tensorloom.napi.glibc.node   aarch64-linux-gnu-g++ (Debian g++-aarch64-linux-gnu)
#   prebuilds/linux-{x64,arm64}/tensorloom.napi.musl.node  only when zig (zig c++) is on PATH or `python3 -m ziglang` works
# Each target builds in its own staging copy (the repo's build/ is left alone) against local
# headers (scripts/install.cjs: the node-api-headers package), offline, then is stripped.
# A missing cross toolchain skips that target with a note; TARGETS="linux-x64-glibc ..." picks targets.
# Afterwards: TL_QEMU_CHECK=1 runs scripts/check-arm64.sh (the arm64 prebuild under qemu-user).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/prebuilds
targets=${TARGETS:-"linux-x64-glibc linux-arm64-glibc linux-x64-musl linux-arm64-musl"}
stage_root=$(mktemp -d "${TMPDIR:-/tmp}/tensorloom-prebuild-XXXXXX")
trap 'rm -rf "$stage_root"' EXIT
# Node-API headers only (what a prebuild may rely on), laid out as a node-gyp nodedir.
nodedir=$(TENSORLOOM_NODE_HEADERS=node-api-headers node -e "process.stdout.write(require('./scripts/install.cjs').localNodeDir())")
trap 'rm -rf "$stage_root" "$nodedir"' EXIT
nodegyp=$(node -p "require.resolve('node-gyp/bin/node-gyp.js')" 2>/dev/null || echo "${npm_config_node_gyp:-}")
[ -n "$nodegyp" ] || { echo "prebuild: node-gyp not found (npm install first)" >&2; exit 1; }

zig_cmd() {
  if command -v zig >/dev/null; then echo zig; elif python3 -m ziglang version >/dev/null 2>&1; then echo "python3 -m ziglang"; fi
}

built=()
skipped=()
for t in $targets; do
  platform=${t%%-*}; rest=${t#*-}; arch=${rest%%-*}; libc=${rest#*-}
  unset CC CXX LINK AR
  strip=strip
  case "$arch-$libc" in
    x64-glibc)
      [ "$(node -p process.arch)" = x64 ] || { skipped+=("$t (not an x64 host)"); continue; } ;;
    arm64-glibc)
      if [ "$(node -p process.arch)" = arm64 ]; then :
      elif command -v aarch64-linux-gnu-g++ >/dev/null; then
        export CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar
        strip=aarch64-linux-gnu-strip
      else skipped+=("$t (no aarch64-linux-gnu-g++: apt-get install g++-aarch64-linux-gnu)"); continue; fi ;;
    x64-musl|arm64-musl)
      zig=$(zig_cmd)
      [ -n "$zig" ] || { skipped+=("$t (no zig: pip install ziglang, or zig on PATH)"); continue; }
      ztarget=$([ "$arch" = x64 ] && echo x86_64-linux-musl || echo aarch64-linux-musl)
      export CC="$zig cc -target $ztarget" CXX="$zig c++ -target $ztarget" LINK="$zig c++ -target $ztarget" AR="$zig ar"
      strip=: ;;  # zig builds are stripped by -s below
    *) skipped+=("$t (unknown target)"); continue ;;
  esac
  stage=$stage_root/$t
  mkdir -p "$stage/scripts"
  cp -r binding.gyp package.json native "$stage/"
  cp scripts/native-sources.cjs "$stage/scripts/"
  ln -s "$root/node_modules" "$stage/node_modules"
  echo "prebuild: $t${CXX:+ (CXX=$CXX)}"
  # glibc prebuilds link libstdc++ dynamically: built here (Debian 12) they need glibc >= 2.32 and
  # GCC 12's libstdc++ (GLIBCXX_3.4.30). Static libstdc++ would need glibc 2.36 (arc4random). Where
  # a prebuild does not load, the install script builds from source.
  if [ "$libc" = musl ]; then export LDFLAGS="-s"; fi
  (cd "$stage" && node "$nodegyp" rebuild --arch="$arch" --nodedir="$nodedir" --jobs=max >"$stage.log" 2>&1) \
    || { tail -30 "$stage.log" >&2; echo "prebuild: $t failed (log above)" >&2; exit 1; }
  unset LDFLAGS
  dest=$out/$platform-$arch
  mkdir -p "$dest"
  cp "$stage/build/Release/tensorloom.node" "$dest/tensorloom.napi.$libc.node"
  $strip --strip-unneeded "$dest/tensorloom.napi.$libc.node" 2>/dev/null || $strip "$dest/tensorloom.napi.$libc.node"
  built+=("$dest/tensorloom.napi.$libc.node")
done

for f in "${built[@]}"; do
  needs=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*\|GLIBCXX_[0-9.]*' | sort -uV | awk -F_ '{v[$1]=$0} END {print v["GLIBC"], v["GLIBCXX"]}' || true)
  echo "built   ${f#$root/} ($(du -k "$f" | cut -f1) KiB): $(file -b "$f" | cut -d, -f1-2); needs ${needs:-?}"
done
for s in "${skipped[@]}"; do echo "skipped $s"; done
# The x64 prebuild must load in this Node (it is what `npm pack` users on this platform get).
if [ -f "$out/linux-x64/tensorloom.napi.glibc.node" ] && [ "$(node -p process.arch)" = x64 ]; then
  node -e "const b = require('$out/linux-x64/tensorloom.napi.glibc.node'); console.log('loads: linux-x64 glibc, isa ' + b.isa)"
fi
if [ "${TL_QEMU_CHECK:-0}" = 1 ]; then bash scripts/check-arm64.sh; fi
