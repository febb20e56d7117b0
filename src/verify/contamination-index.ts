// Evaluation questions we must never train on: word 8-grams of every BFCL question (a sample in the repo,
// or a user's full BFCL data dir), and the test "does this request copy a large part of one?".
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { shingleHashes } from './shingles.js';

export const ContaminationConfigSchema = z.object({
  n: z.number().int().positive().default(8),
  /** A request is contaminated when at least this share of its n-grams occur in one evaluation question set. */
  threshold: z.number().min(0).max(1).default(0.3),
});
export type ContaminationConfig = z.infer<typeof ContaminationConfigSchema>;

export type ContaminationHit = { id: string; overlap: number };

const BfclLineSchema = z.object({ id: z.string(), question: z.array(z.unknown()) });

/** User texts in a BFCL question: a list of turns, each a list of {role, content} (older files: one flat list). */
function questionTexts(question: unknown[]): string[] {
  return question
    .flatMap((turn) => (Array.isArray(turn) ? turn : [turn]))
    .flatMap((m) => {
      const msg = m as { role?: string; content?: unknown };
      return msg && msg.role === 'user' && typeof msg.content === 'string' ? [msg.content] : [];
    });
}

export class ContaminationIndex {
  readonly config: ContaminationConfig;
  private readonly grams = new Map<number, string>();
  private questions = 0;

  constructor(config: Partial<ContaminationConfig> = {}) {
    this.config = ContaminationConfigSchema.parse(config);
  }

  get size(): { questions: number; ngrams: number } {
    return { questions: this.questions, ngrams: this.grams.size };
  }

  addQuestion(id: string, text: string): void {
    this.questions++;
    for (const g of shingleHashes(text, this.config.n)) if (!this.grams.has(g)) this.grams.set(g, id);
  }

  /** The evaluation item this request overlaps most, when the overlap reaches the threshold. */
  check(request: string): ContaminationHit | undefined {
    const grams = shingleHashes(request, this.config.n);
    if (!grams.length) return undefined;
    const byId = new Map<string, number>();
    for (const g of grams) {
      const id = this.grams.get(g);
      if (id) byId.set(id, (byId.get(id) ?? 0) + 1);
    }
    let best: ContaminationHit | undefined;
    for (const [id, hits] of byId) {
      const overlap = hits / grams.length;
      if (overlap >= this.config.threshold && (!best || overlap > best.overlap)) best = { id, overlap };
    }
    return best;
  }

  /** Reads every `BFCL_v4_*.json` (JSON lines) in `dir`; names the file and line of anything malformed. */
  static async fromBfclDir(dir: string, config: Partial<ContaminationConfig> = {}): Promise<ContaminationIndex> {
    const index = new ContaminationIndex(config);
    const files = (
      await readdir(dir).catch((err) => {
        throw new Error(
          `BFCL data dir '${dir}' cannot be read: ${(err as Error).message}; pass the folder holding BFCL_v4_*.json`,
        );
      })
    )
      .filter((f) => /^BFCL_v\d+_.*\.json$/.test(f))
      // format_sensitivity is an index of other categories' ids (one JSON object), not questions.
      .filter((f) => !/_format_sensitivity\.json$/.test(f))
      .sort();
    if (!files.length)
      throw new Error(
        `BFCL data dir '${dir}' holds no BFCL_v*_*.json files; pass the folder with the question files (not possible_answer/)`,
      );
    for (const file of files) {
      const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line.trim()) continue;
        let parsed;
        try {
          parsed = BfclLineSchema.safeParse(JSON.parse(line));
        } catch (err) {
          throw new Error(`${join(dir, file)}:${i + 1}: not JSON (${(err as Error).message})`);
        }
        if (!parsed.success)
          throw new Error(
            `${join(dir, file)}:${i + 1}: not a BFCL entry (${parsed.error.issues[0]?.path.join('/')}: ${parsed.error.issues[0]?.message})`,
          );
        index.addQuestion(parsed.data.id, questionTexts(parsed.data.question).join('\n'));
      }
    }
    return index;
  }
}
