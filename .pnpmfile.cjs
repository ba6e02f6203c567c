// pnpm hooks for this workspace.
//
// beforePacking (pnpm ≥ 10.28) shapes the manifest that goes into every tarball `pnpm pack` /
// `pnpm publish` (and so `changeset publish`) writes: development-only fields are left out, so a
// published manifest names no private workspace package (the adapters dev-depend on the private
// @synced-cache/test-servers) and no script that only works inside this repository. Packing fails
// when a private package or a `workspace:` range would still be published, or when the metadata a
// registry page links to is missing. scripts/pack-smoke.mjs checks the packed manifests too.
const PRIVATE = ['@synced-cache/test-servers', '@synced-cache/demo', '@synced-cache/bench'];
const REQUIRED = ['homepage', 'bugs', 'repository', 'license'];

function beforePacking(manifest) {
  // Private packages are never published (packing one is a local affair).
  if (manifest.private === true) return manifest;
  delete manifest.devDependencies;
  delete manifest.scripts;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (PRIVATE.includes(name) || String(range).startsWith('workspace:')) {
        throw new Error(`${manifest.name}: ${field} would publish ${name}@${range}`);
      }
    }
  }
  const missing = REQUIRED.filter((field) => manifest[field] === undefined);
  if (missing.length > 0) throw new Error(`${manifest.name}: package.json lacks ${missing.join(', ')}`);
  return manifest;
}

module.exports = { hooks: { beforePacking } };
