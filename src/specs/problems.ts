// What an importer reports instead of throwing: one refused (or doubtful) piece of a source, located
// by file and JSON pointer, so a user can fix it while the rest of the source still imports.
import { z } from 'zod';

export const ImportProblemSchema = z.object({
  /** 'error': the piece was refused; 'warning': imported, but changed or doubtful. */
  severity: z.enum(['error', 'warning']),
  /** File path, URL or `stdio:<command>` of the source. */
  file: z.string(),
  /** JSON pointer inside the source ('' for the whole document). */
  pointer: z.string(),
  reason: z.string(),
});
export type ImportProblem = z.infer<typeof ImportProblemSchema>;

/** RFC 6901: `/paths/~1pets~1{id}/get` for paths['/pets/{id}'].get. */
export function jsonPointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function formatProblem(p: ImportProblem): string {
  return `${p.severity}: ${p.file}#${p.pointer}: ${p.reason}`;
}

/** Collects problems for one source; importers call `error`/`warn` and keep going. */
export class ProblemLog {
  readonly problems: ImportProblem[] = [];
  constructor(readonly file: string) {}
  error(pointer: string, reason: string): void {
    this.problems.push({ severity: 'error', file: this.file, pointer, reason });
  }
  warn(pointer: string, reason: string): void {
    this.problems.push({ severity: 'warning', file: this.file, pointer, reason });
  }
}

const MEDIA_TYPE = /^(application|text|image|audio|video|multipart|font|model|message|\*)\/[\w.+*-]+$/;

/** The kind of a problem: its reason up to the first ': ', names and numbers blanked (media types kept, they say why). */
export function problemKind(reason: string): string {
  const head = reason.split(': ')[0].replace(/(?<=\s)[^\s']+#\/[^\s;,]*/g, '…'); // locations (file#pointer) differ per problem
  return head.replace(/'([^']*)'/g, (m, inner: string) => (MEDIA_TYPE.test(inner) ? m : "'…'")).replace(/\d+/g, 'N');
}

/** `2 refused: 2× unsupported request body media type 'application/octet-stream'`, biggest kinds first. */
export function summarizeProblems(
  problems: ImportProblem[],
  severity: ImportProblem['severity'],
  maxKinds = 4,
): string {
  const picked = problems.filter((p) => p.severity === severity);
  if (picked.length === 0) return '';
  const counts = new Map<string, number>();
  for (const p of picked) counts.set(problemKind(p.reason), (counts.get(problemKind(p.reason)) ?? 0) + 1);
  const kinds = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = kinds.slice(0, maxKinds).map(([k, n]) => `${n}× ${k}`);
  if (kinds.length > maxKinds) shown.push(`${kinds.length - maxKinds} more kinds`);
  return `${picked.length} ${severity === 'error' ? 'refused' : picked.length === 1 ? 'warning' : 'warnings'}: ${shown.join('; ')}`;
}
