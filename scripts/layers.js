// The layers of the code, from the ground up (ARCHITECTURE.md): a module imports from its own package or
// from a lower layer, never from a higher one, never sideways into another package of its own layer.
// One table, read by eslint.config.js (no-restricted-imports per package) and scripts/check-imports.ts
// (the whole import graph: upward or sideways arrows, cycles). Plain JS so both can load it.

/** @typedef {{ name: string, packages: string[] }} Layer */

/** @type {Layer[]} Packages are folders or single files, relative to the repository root. */
export const LAYERS = [
  { name: 'domain', packages: ['src/domain', 'src/zod-strict.ts', 'src/pypi-wheel.ts', 'src/repo-root.ts'] },
  { name: 'llm, specs, store', packages: ['src/llm', 'src/specs', 'src/store'] },
  { name: 'mcp, eval, serve', packages: ['src/mcp', 'src/eval', 'src/serve'] },
  { name: 'agents, verify, train', packages: ['src/agents', 'src/verify', 'src/train'] },
  { name: 'plan', packages: ['src/plan'] },
  { name: 'config, report', packages: ['src/config.ts', 'src/report'] },
  { name: 'activities, temporal', packages: ['src/activities', 'temporal'] },
  { name: 'workflows, workers', packages: ['src/workflows', 'src/workers'] },
  { name: 'cli', packages: ['src/cli'] },
  // Entry points: each may use the product, none another (a helper a bench and a test share lives in src).
  { name: 'entry points', packages: ['bin', 'scripts', 'bench', 'test'] },
];

/** The package a repository-relative path (forward slashes) belongs to, and its layer's index; undefined outside. */
export function packageOf(file) {
  for (const [index, layer] of LAYERS.entries()) {
    for (const pkg of layer.packages) {
      if (file === pkg || file.startsWith(`${pkg}/`)) return { pkg, index, layer: layer.name };
    }
  }
  return undefined;
}

/** Why `from` may not import `to` (both from packageOf), or undefined when it may. */
export function forbiddenArrow(from, to) {
  if (from.pkg === to.pkg || to.index < from.index) return undefined;
  if (to.index === from.index)
    return `${from.pkg} and ${to.pkg} are both in layer '${from.layer}': a helper both need goes down a layer`;
  return `${from.pkg} (layer '${from.layer}') reaches up to ${to.pkg} (layer '${to.layer}')`;
}
