#!/usr/bin/env node
// The package's npm "install" script. Downloads nothing:
//   1. a build node-gyp-build would load (build/Release, else the matching prebuilds/<platform>-<arch>/
//      file by its tags) is used when it loads;
//   2. otherwise the addon is built from source with node-gyp against local headers: the running
//      Node's own include/node directory when it has one, else the `node-api-headers` package laid
//      out as a node-gyp "nodedir" (scripts/gyp/common.gypi stands in for Node's common.gypi).
//      node-gyp never fetches Node's header tarball.
// Overrides: `npm install --build-from-source` (or TENSORLOOM_BUILD_FROM_SOURCE=1, or
// `node scripts/install.cjs --build-from-source`: npm run build:native) skips step 1;
// an explicit npm `nodedir` setting is respected; TENSORLOOM_NODE_HEADERS=node|node-api-headers
// forces one header source (for tests).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const say = (msg) => console.error(`tensorloom: ${msg}`);

function buildFromSourceRequested() {
  const v = (name) => (process.env[name] || '').toLowerCase();
  return process.argv.includes('--build-from-source') || v('npm_config_build_from_source') === 'true' ||
    ['1', 'true'].includes(v('TENSORLOOM_BUILD_FROM_SOURCE'));
}

/** True on a musl libc (Alpine...): Node's process report names no glibc there. */
function isMusl() {
  if (process.platform !== 'linux') return false;
  try { return !process.report.getReport().header.glibcVersionRuntime; } catch { return false; }
}

/** The file node-gyp-build would load, when it loads here (a wrong-platform or wrong-libc binary throws). */
function loadableBuild() {
  let file;
  try { file = require('node-gyp-build').resolve(root); } catch {
    if (isMusl()) {
      say(`no prebuild for ${process.platform}-${process.arch} musl: the package ships glibc prebuilds only (no musl C++ ` +
        'toolchain was available to build them), so the addon is built from source. That needs g++, make and python3 ' +
        '(Alpine: apk add build-base python3).');
    }
    return null;
  }
  try {
    require(file);
    return file;
  } catch (e) {
    say(`${path.relative(root, file)} does not load here (${String(e && e.message).split('\n')[0]}); building from source`);
    return null;
  }
}

/** npm's own node-gyp (npm passes it to scripts), else one installed beside the package. */
function nodeGypBin() {
  const candidates = [process.env.npm_config_node_gyp];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })); } catch { /* not installed */ }
  candidates.push(path.resolve(process.execPath, '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  return candidates.find((f) => f && fs.existsSync(f));
}

/** The running Node's install prefix when it ships include/node with common.gypi and the Node-API headers. */
function ownNodeDir() {
  const prefix = path.resolve(process.execPath, '../..');
  const inc = path.join(prefix, 'include', 'node');
  return ['node_api.h', 'js_native_api.h', 'common.gypi'].every((f) => fs.existsSync(path.join(inc, f))) ? prefix : null;
}

/** A node-gyp nodedir built from the node-api-headers package (Node-API only: all this addon includes). */
function nodeApiHeadersDir() {
  let include;
  try { include = require('node-api-headers').include_dir; } catch { return null; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorloom-headers-'));
  const inc = path.join(dir, 'include', 'node');
  fs.mkdirSync(inc, { recursive: true });
  for (const f of fs.readdirSync(include)) if (f.endsWith('.h')) fs.copyFileSync(path.join(include, f), path.join(inc, f));
  fs.copyFileSync(path.join(__dirname, 'gyp', 'common.gypi'), path.join(inc, 'common.gypi'));
  // node-gyp reads <nodedir>/include/node/config.gypi for Node's build variables: the running Node's own.
  fs.writeFileSync(path.join(inc, 'config.gypi'), JSON.stringify(process.config, null, 1));
  return dir;
}

function build() {
  const nodeGyp = nodeGypBin();
  if (!nodeGyp) {
    say('no prebuild matches this platform and node-gyp was not found to build from source (it comes with npm)');
    return 1;
  }
  const args = [nodeGyp, 'rebuild', '--jobs=max'];
  const env = { ...process.env };
  const forced = process.env.TENSORLOOM_NODE_HEADERS;
  let tmp = null;
  if (process.env.npm_config_nodedir && !forced) {
    say(`building from source against nodedir=${process.env.npm_config_nodedir} (npm config)`);
  } else if (process.platform === 'win32' && !forced) {
    say('building from source (node-gyp may download the Node headers and node.lib on Windows)');
  } else {
    const own = forced === 'node-api-headers' ? null : ownNodeDir();
    const dir = localNodeDir(forced);
    if (dir !== own) tmp = dir;
    if (!dir) {
      say('no local Node headers: neither <node prefix>/include/node nor the node-api-headers package was found');
      return 1;
    }
    say(`building from source against ${own ? "the running Node's own headers" : 'the node-api-headers package'} (${dir})`);
    args.push(`--nodedir=${dir}`);
    // node-gyp keeps a dev directory under HOME: point it at a temp dir so an empty or read-only HOME works.
    env.npm_config_devdir = env.npm_config_devdir || path.join(os.tmpdir(), 'tensorloom-node-gyp');
  }
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) {
    say([
      `building the native addon from source failed, and no prebuild in prebuilds/ matches ${process.platform}-${process.arch}.`,
      'A source build needs a C++17 compiler, make and Python 3 (node-gyp); install them and run `npm rebuild tensorloom`' +
        (isMusl() ? ' (Alpine: apk add build-base python3).' : '.'),
    ].join('\n  '));
    return r.status || 1;
  }
  return 0;
}

function main() {
  // npm's preparation of a git dependency installs the clone only to run `prepare`, then packs it
  // without build/: a native build there would be thrown away (the packed copy's install builds).
  if (process.env._PACOTE_NO_PREPARE_ !== undefined && process.env.INIT_CWD && path.resolve(process.env.INIT_CWD) === path.resolve(root)) {
    say('git dependency preparation: the native build is left to the install of the packed package');
    return 0;
  }
  if (!buildFromSourceRequested()) {
    const file = loadableBuild();
    if (file) return 0;
  }
  return build();
}

/** A local nodedir for node-gyp (the running Node's prefix, else a node-api-headers layout in a temp dir). */
function localNodeDir(source = process.env.TENSORLOOM_NODE_HEADERS) {
  const own = source === 'node-api-headers' ? null : ownNodeDir();
  return own || (source === 'node' ? null : nodeApiHeadersDir());
}

module.exports = { localNodeDir, loadableBuild, isMusl };
if (require.main === module) process.exitCode = main();
