// Spec import at real size: every OpenAPI/Swagger entry document under a folder is imported in its own
// process (so peak memory is that import's), smallest first; per spec: operations, tools, refused,
// warnings, wall time, peak RSS, catalog size and the largest tool. Then the totals.
// Run: timeout 600 node --import tsx bench/specs-import.ts <folder> [--per-spec-timeout-s 300]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { importSources } from '../src/specs/import.js';

type Row = {
  spec: string;
  mb: number;
  operations: number;
  tools: number;
  refused: number;
  warnings: number;
  seconds: number;
  peakMb: number;
  catalogMb: number;
  maxToolKb: number;
  note?: string;
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// `openapi: 3.1.0` at the start of a YAML line, or `"openapi": "3.0.1"` anywhere in (often one-line) JSON.
const ENTRY_YAML = /^["']?(openapi|swagger)["']?\s*:\s*["']?[23]\./m;
const ENTRY_JSON = /"(openapi|swagger)"\s*:\s*"[23]\./;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(json|ya?ml)$/i.test(e.name) ? [p] : [];
  });
}

/** Entry documents: files that say `openapi:` or `swagger:` at top level (component files of multi-file specs do not). */
function entryDocuments(dir: string): string[] {
  return walk(dir)
    .filter((f) => (/\.json$/i.test(f) ? ENTRY_JSON : ENTRY_YAML).test(readFileSync(f, 'utf8'))) // sorted JSON keys put `openapi` late
    .sort((a, b) => statSync(a).size - statSync(b).size);
}

/** Operations the spec declares, counted independently of the importer (path items that are `$ref`s are read too). */
function countOperations(file: string): number {
  const parse = (f: string) =>
    /\.json$/i.test(f)
      ? JSON.parse(readFileSync(f, 'utf8'))
      : YAML.parse(readFileSync(f, 'utf8'), { maxAliasCount: -1 });
  const doc = parse(file) as { paths?: Record<string, Record<string, unknown>> };
  let n = 0;
  for (const item of Object.values(doc.paths ?? {})) {
    let it = item;
    if (typeof it?.$ref === 'string' && !it.$ref.startsWith('#')) {
      try {
        it = parse(path.resolve(path.dirname(file), decodeURIComponent(it.$ref.split('#')[0])));
      } catch {
        continue;
      }
    }
    n += METHODS.filter((m) => it && typeof it === 'object' && m in it).length;
  }
  return n;
}

async function one(file: string): Promise<void> {
  const started = performance.now();
  const { catalog, problems } = await importSources([file]);
  const seconds = (performance.now() - started) / 1000;
  const text = JSON.stringify(catalog);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-specs-'));
  writeFileSync(path.join(dir, 'catalog.json'), text); // written as the CLI would, then removed
  rmSync(dir, { recursive: true, force: true });
  const row = {
    operations: countOperations(file),
    tools: catalog.tools.length,
    refused: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
    seconds,
    peakMb: process.resourceUsage().maxRSS / 1024,
    catalogMb: Buffer.byteLength(text) / 1e6,
    maxToolKb: Math.max(0, ...catalog.tools.map((t) => Buffer.byteLength(JSON.stringify(t)) / 1000)),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') return one(args[1]);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: bench/specs-import.ts <folder of specs> [--per-spec-timeout-s 300]');
  const limitAt = args.indexOf('--per-spec-timeout-s');
  const limitS = limitAt >= 0 ? Number(args[limitAt + 1]) : 300;
  const rows: Row[] = [];
  const files = entryDocuments(dir);
  console.log(`spec\tMB\toperations\ttools\trefused\twarnings\tseconds\tpeak MB\tcatalog MB\tmax tool KB`);
  for (const file of files) {
    const spec = path.relative(dir, file);
    const mb = statSync(file).size / 1e6;
    const args = ['--import', 'tsx', new URL(import.meta.url).pathname, '--one', file];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: limitS * 1000, maxBuffer: 1 << 26 });
    const last = run.stdout?.trim().split('\n').pop() ?? '';
    let row: Row;
    try {
      row = { spec, mb, ...(JSON.parse(last) as Omit<Row, 'spec' | 'mb'>) };
    } catch {
      const why = run.error ? run.error.message : `exit ${run.status}: ${(run.stderr ?? '').trim().split('\n').pop()}`;
      row = {
        spec,
        mb,
        operations: 0,
        tools: 0,
        refused: 0,
        warnings: 0,
        seconds: 0,
        peakMb: 0,
        catalogMb: 0,
        maxToolKb: 0,
        note: why,
      };
    }
    rows.push(row);
    const f = (x: number, d = 1) => x.toFixed(d);
    const cells = [
      spec,
      f(mb, 2),
      row.operations,
      row.tools,
      row.refused,
      row.warnings,
      f(row.seconds),
      f(row.peakMb, 0),
      f(row.catalogMb, 2),
    ];
    console.log([...cells, f(row.maxToolKb), row.note ?? ''].join('\t'));
  }
  const sum = (k: keyof Row) => rows.reduce((n, r) => n + (typeof r[k] === 'number' ? (r[k] as number) : 0), 0);
  console.log(
    `TOTAL ${rows.length} specs (${rows.filter((r) => r.note).length} failed to finish): ` +
      `${sum('operations')} operations, ${sum('tools')} tools, ${sum('refused')} refused, ` +
      `${sum('warnings')} warnings, ${sum('seconds').toFixed(0)} s, peak ${Math.max(...rows.map((r) => r.peakMb)).toFixed(0)} MB, ` +
      `catalogs ${sum('catalogMb').toFixed(1)} MB, largest tool ${Math.max(...rows.map((r) => r.maxToolKb)).toFixed(1)} KB`,
  );
}

await main();
