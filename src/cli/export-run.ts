// `inftool export ID`: gathers every finished cycle's verified trajectories of a run from the local
// artifact store and writes them in a fine-tuning format.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDataset } from './export.js';
import { LocalArtifactStore, artifactsDir, getJson } from '../store/artifact-store.js';
import type { CycleRecord } from '../domain/cycle-record.js';
import type { RunStatus } from '../workflows/definitions.js';

export async function exportRun(o: {
  status: RunStatus;
  home: string;
  format: 'openai' | 'sharegpt' | 'hf';
  outDir: string;
}) {
  if (!o.status.cycles.length)
    throw new Error(
      `run ${o.status.runId} has no finished cycle yet: nothing to export (see 'inftool status ${o.status.runId}')`,
    );
  const store = new LocalArtifactStore(artifactsDir(o.home));
  const parts: string[] = [];
  for (const cy of o.status.cycles) {
    const record = await getJson<CycleRecord>(store, cy.recordRef);
    const ref = record.artifacts.trajectories;
    if (!ref) throw new Error(`cycle ${cy.cycle} of ${o.status.runId} names no trajectories artifact`);
    parts.push((await readFile(store.locate(ref), 'utf8')).trimEnd());
  }
  const tmp = await mkdtemp(join(tmpdir(), 'inftool-export-'));
  try {
    const all = join(tmp, 'trajectories.jsonl');
    await writeFile(all, parts.filter(Boolean).join('\n') + '\n');
    const result = await exportDataset({ trajectoriesFile: all, format: o.format, outDir: o.outDir });
    return { ...result, cycles: o.status.cycles.length };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
