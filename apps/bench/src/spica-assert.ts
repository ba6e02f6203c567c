/**
 * spica ships TypeScript sources that call a global `assert` (power-assert), which its own bundle
 * strips. Run from source here, the checks become no-ops, as in spica's published build.
 */
(globalThis as { assert?: (condition: unknown) => void }).assert = () => {};
