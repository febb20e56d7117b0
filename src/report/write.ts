// Writes a run's report files (index.html + report.json) and finds a run's cycle records in a local
// artifact store, so `inftool report ID` works from the data directory alone.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CycleRecordSchema, type CycleRecord } from '../domain/cycle-record.js';
import { LocalArtifactStore, type ArtifactRef } from '../store/artifact-store.js';
import { renderReport, type ReportData, type RunInfo } from './render.js';

/** Writes `index.html` and `report.json` into `dir` (created if missing), each via a temp file and rename. */
export async function writeReport(
  dir: string,
  records: unknown[],
  runInfo: RunInfo,
): Promise<{ htmlPath: string; jsonPath: string; data: ReportData }> {
  const { html, json, data } = renderReport(records, runInfo);
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const htmlPath = join(out, 'index.html');
  const jsonPath = join(out, 'report.json');
  for (const [path, text] of [
    [htmlPath, html],
    [jsonPath, json],
  ] as const) {
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  }
  return { htmlPath, jsonPath, data };
}

/** Artifact names that may hold a cycle record: `cycle-record.json`, `cycle-record-3.json`, `record-3.json`... */
const RECORD_NAME = /(^|[-_.])record([-_.]\d+)?\.json$/;

/**
 * A run's cycle records from a local artifact store (`<root>/<key>/<name>`). With `refs`, exactly those
 * (an unreadable one is an error naming it); without, every `*record*.json` artifact whose content parses
 * as a CycleRecord of `runId` (other files are skipped silently: the store holds many kinds).
 */
export async function loadCycleRecords(opts: {
  storeRoot: string;
  runId: string;
  refs?: ArtifactRef[];
}): Promise<CycleRecord[]> {
  const root = resolve(opts.storeRoot);
  if (opts.refs) {
    return Promise.all(
      opts.refs.map(async (ref) => {
        const path = new LocalArtifactStore(root).locate(ref);
        const text = await readFile(path, 'utf8').catch((err: Error) => {
          throw new Error(`cycle record ${ref.key}/${ref.name} is missing from ${root}: ${err.message}`);
        });
        const parsed = CycleRecordSchema.safeParse(JSON.parse(text));
        if (!parsed.success)
          throw new Error(
            `${path} is not a CycleRecord: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        return parsed.data;
      }),
    );
  }
  const keys = await readdir(root, { withFileTypes: true }).catch((err: Error) => {
    throw new Error(
      `artifact store ${root} cannot be read (${err.message}); pass --home (or --store) pointing at the run's data directory`,
    );
  });
  const found: CycleRecord[] = [];
  for (const key of keys) {
    if (!key.isDirectory()) continue;
    const names = await readdir(join(root, key.name)).catch(() => [] as string[]);
    for (const name of names) {
      if (!RECORD_NAME.test(name)) continue;
      let value: unknown;
      try {
        value = JSON.parse(await readFile(join(root, key.name, name), 'utf8'));
      } catch {
        continue;
      }
      const parsed = CycleRecordSchema.safeParse(value);
      if (parsed.success && parsed.data.runId === opts.runId) found.push(parsed.data);
    }
  }
  return found.sort((a, b) => a.cycle - b.cycle || (a.finishedAt < b.finishedAt ? -1 : 1));
}

/** For the CLI and the demo: find the records in the store, write the report, return where it went. */
export async function writeReportFromStore(opts: {
  storeRoot: string;
  runId: string;
  outDir: string;
  refs?: ArtifactRef[];
  runInfo?: Partial<RunInfo>;
}): Promise<{ htmlPath: string; jsonPath: string; cycles: number }> {
  const records = await loadCycleRecords(opts);
  if (records.length === 0) {
    throw new Error(
      `no cycle record of run '${opts.runId}' in ${resolve(opts.storeRoot)}: has a cycle finished? (check the run id with 'inftool status ${opts.runId}')`,
    );
  }
  const { htmlPath, jsonPath, data } = await writeReport(opts.outDir, records, { ...opts.runInfo, runId: opts.runId });
  return { htmlPath, jsonPath, cycles: data.cycles.length };
}
