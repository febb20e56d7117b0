// Tool names legal for OpenAI tool calling (`^[a-zA-Z0-9_-]{1,64}$`) derived from any source name,
// slugs for tool-set ids, and the words of a name; the original name is always kept next to the legal one.
import { createHash } from 'node:crypto';
import { TOOL_NAME_PATTERN } from '../domain/catalog.js';

/** `math.factorial` -> `math_factorial`; names over 64 characters keep a hash suffix so they stay unique. */
export function legalToolName(original: string): string {
  if (TOOL_NAME_PATTERN.test(original)) return original;
  let name = original
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'tool';
  if (name.length > 64) {
    const suffix = createHash('sha256').update(original).digest('hex').slice(0, 8);
    name = `${name.slice(0, 55)}_${suffix}`;
  }
  return name;
}

/** A name for an OpenAPI operation without operationId: `get /pets/{id}` -> `get_pets_by_id`. */
export function operationName(method: string, path: string): string {
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith('{') ? `by_${seg.slice(1, -1)}` : seg));
  return legalToolName([method.toLowerCase(), ...parts].join('_'));
}

export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'toolset' : s.slice(0, 60);
}

/** A name's words, lowercased: `getPetById` and `get_pet_by_id` both give get, pet, by, id. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** A collection word's singular, near enough for names (`categories` -> `category`, `boxes` -> `box`). */
export function singular(word: string): string {
  if (/ies$/.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|us)$/.test(word)) return word;
  if (/(xes|ches|shes|sses)$/.test(word)) return word.slice(0, -2);
  return word.replace(/s$/, '');
}
