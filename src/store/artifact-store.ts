// Content-keyed artifact storage: every stage output is written once under a key derived from the
// stage's inputs, so a retried or replayed activity finds its artifact instead of redoing the work.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Stable JSON: object keys sorted, so equal values hash equally whatever their construction order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

export function contentKey(...parts: unknown[]): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, 24);
}

/** A reference that travels through workflow history instead of the data itself. */
export type ArtifactRef = { key: string; name: string };

export interface ArtifactStore {
  /** Where a reader can find the artifact (a path for the local store, a URL for others). */
  locate(ref: ArtifactRef): string;
  exists(ref: ArtifactRef): Promise<boolean>;
  /** Writes once: if the artifact exists already, it is left as it is (first writer wins). */
  put(ref: ArtifactRef, data: string | Buffer): Promise<void>;
  /** An artifact written piece by piece (a cycle's dataset, larger than one string may be): it appears under
   * its name only at `commit`, whole, and like `put` leaves an existing one as it is. */
  writer(ref: ArtifactRef): Promise<ArtifactWriter>;
  get(ref: ArtifactRef): Promise<Buffer>;
  /** The artifact's bytes as a stream, for files too large to hold whole (a cycle's trajectories at scale). */
  stream(ref: ArtifactRef): Promise<Readable>;
  list(key: string): Promise<string[]>;
}

export interface ArtifactWriter {
  write(data: string | Buffer): Promise<void>;
  /** Makes the artifact visible under its name; nothing of it is visible before. */
  commit(): Promise<void>;
  /** Drops what was written (an attempt that failed): safe after commit, where it does nothing. */
  abort(): Promise<void>;
}

/** Where a data directory (`--home`, INFTOOL_HOME) keeps its local artifact store: the one place that says so. */
export function artifactsDir(home: string): string {
  return join(resolve(home), 'artifacts');
}

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {
    this.root = resolve(root);
  }
  locate(ref: ArtifactRef): string {
    if (!/^[A-Za-z0-9._-]+$/.test(ref.key))
      throw new Error(`artifact key '${ref.key}' has characters a path cannot hold`);
    if (ref.name.split('/').some((p) => p === '..' || p === ''))
      throw new Error(`artifact name '${ref.name}' is not a plain relative path`);
    return join(this.root, ref.key, ref.name);
  }
  async exists(ref: ArtifactRef): Promise<boolean> {
    return stat(this.locate(ref)).then(
      () => true,
      () => false,
    );
  }
  async put(ref: ArtifactRef, data: string | Buffer): Promise<void> {
    const path = this.locate(ref);
    if (await this.exists(ref)) return;
    await mkdir(dirname(path), { recursive: true });
    // Write to a temp file and rename: a crash mid-write never leaves a half artifact under the real name.
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }
  async writer(ref: ArtifactRef): Promise<ArtifactWriter> {
    const path = this.locate(ref);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(tmp, 'w');
    let closed = false;
    const close = async () => {
      if (!closed) await file.close();
      closed = true;
    };
    return {
      write: async (data) => void (await file.write(typeof data === 'string' ? Buffer.from(data) : data)),
      commit: async () => {
        await close();
        if (await this.exists(ref)) await rm(tmp, { force: true });
        else await rename(tmp, path);
      },
      abort: async () => {
        await close();
        await rm(tmp, { force: true });
      },
    };
  }
  async get(ref: ArtifactRef): Promise<Buffer> {
    try {
      return await readFile(this.locate(ref));
    } catch (err) {
      return this.missing(ref, err as Error);
    }
  }
  async stream(ref: ArtifactRef): Promise<Readable> {
    try {
      return (await open(this.locate(ref))).createReadStream();
    } catch (err) {
      return this.missing(ref, err as Error);
    }
  }
  /** A read that failed (no such file, or a ref no path can hold), named by the artifact. */
  private missing(ref: ArtifactRef, err: Error): never {
    throw new Error(`artifact ${ref.key}/${ref.name} is missing from ${this.root}: ${err.message}`);
  }
  async list(key: string): Promise<string[]> {
    return readdir(join(this.root, key)).catch(() => []);
  }
}

/**
 * Streams into each of `refs` through `fill`: all of them become visible if it succeeds, none if it throws
 * (a retried activity finds nothing half-written).
 */
export async function writeArtifacts<T>(
  store: ArtifactStore,
  refs: ArtifactRef[],
  fill: (writers: ArtifactWriter[]) => Promise<T>,
): Promise<T> {
  const writers: ArtifactWriter[] = [];
  try {
    for (const ref of refs) writers.push(await store.writer(ref));
    const out = await fill(writers);
    for (const w of writers) await w.commit();
    return out;
  } finally {
    for (const w of writers) await w.abort();
  }
}

export async function putJson(store: ArtifactStore, ref: ArtifactRef, value: unknown): Promise<ArtifactRef> {
  await store.put(ref, JSON.stringify(value, null, 2));
  return ref;
}
export async function getJson<T = unknown>(store: ArtifactStore, ref: ArtifactRef): Promise<T> {
  return JSON.parse((await store.get(ref)).toString('utf8')) as T;
}
/**
 * `getJson` for artifacts read by many activities of a worker (a cycle's catalog and plan, read by every
 * synthesis batch): parsed once per process and shared. An artifact under a content key never changes,
 * so the cache cannot go stale; callers must treat the value as read-only. Holds the last few only.
 */
export async function getJsonShared<T = unknown>(store: ArtifactStore, ref: ArtifactRef): Promise<T> {
  const id = store.locate(ref);
  let hit = shared.get(id);
  if (hit) {
    shared.delete(id); // most recently used last
  } else {
    hit = getJson<T>(store, ref);
    hit.catch(() => shared.delete(id)); // a failed read is not kept
  }
  shared.set(id, hit);
  while (shared.size > SHARED_ENTRIES) shared.delete(shared.keys().next().value!);
  return hit as Promise<T>;
}
const SHARED_ENTRIES = 8;
const shared = new Map<string, Promise<unknown>>();

export async function putJsonl(store: ArtifactStore, ref: ArtifactRef, rows: unknown[]): Promise<ArtifactRef> {
  await store.put(ref, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  return ref;
}
/** The rows of a JSONL artifact one at a time, read from a stream line by line: a file larger than memory
 * or than one string may be (V8 caps a string at 512 MB) is read without ever being held whole. */
export async function* jsonlRows<T = unknown>(store: ArtifactStore, ref: ArtifactRef): AsyncGenerator<T> {
  const input = await store.stream(ref);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim()) yield parseRow<T>(line, ref, n);
    }
  } finally {
    lines.close();
    input.destroy(); // a reader that stops early or fails leaves no open file behind
  }
}
function parseRow<T>(line: string, ref: ArtifactRef, n: number): T {
  try {
    return JSON.parse(line) as T;
  } catch (err) {
    throw new Error(`artifact ${ref.key}/${ref.name} line ${n} is not JSON: ${(err as Error).message}`);
  }
}
export async function getJsonl<T = unknown>(store: ArtifactStore, ref: ArtifactRef): Promise<T[]> {
  return [...jsonlLines<T>(await store.get(ref), ref)];
}
function* jsonlLines<T>(buf: Buffer, ref: ArtifactRef): Generator<T> {
  let n = 0;
  for (let start = 0; start < buf.length;) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    const line = buf.toString('utf8', start, end);
    n++;
    if (line.trim()) yield parseRow<T>(line, ref, n);
    start = end + 1;
  }
}
