declare module 'node-gyp-build' {
  /** Loads the addon for the package at `dir` (a prebuild, else build/Release). */
  function load(dir: string): unknown;
  export default load;
}
