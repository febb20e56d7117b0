// Does a text state a value? The rules gates 0 and 4 (and the user simulator's self-check) share:
// normalized substring matching with word boundaries, plus the usual spellings of numbers and dates.

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Lowercase, accents folded, everything but letters, digits, '.', '@' and '%' becomes a space. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/(\d),(\d{3})/g, '$1$2') // 1,000 -> 1000
    .replace(/[^a-z0-9.@%]+/g, ' ')
    .replace(/\.+(\s|$)/g, ' ') // a sentence's full stop (or an ellipsis) is not part of the word before it
    .replace(/\s+/g, ' ')
    .trim();
}

function containsPhrase(normText: string, phrase: string): boolean {
  const p = normalizeText(phrase);
  if (!p) return true;
  const escaped = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^| )${escaped}( |$)`).test(normText);
}

function spellings(value: string | number): string[] {
  if (typeof value === 'number') {
    const out = [String(value)];
    if (Number.isInteger(value) && value >= 0 && value < NUMBER_WORDS.length) out.push(NUMBER_WORDS[value]);
    if (!Number.isInteger(value)) out.push(value.toFixed(2), String(value).replace(/^0\./, '.'));
    if (Number.isInteger(value)) out.push(`${value}.0`);
    return out;
  }
  const out = [value];
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (date) {
    const [, y, m, d] = date;
    const month = MONTHS[Number(m) - 1];
    const day = String(Number(d));
    out.push(
      `${month} ${day} ${y}`,
      `${day} ${month} ${y}`,
      `${month} ${day}`,
      `${day} ${month}`,
      `${m}/${d}/${y}`,
      `${d}/${m}/${y}`,
    );
    out.push(`${month} ${day}st`, `${month} ${day}nd`, `${month} ${day}rd`, `${month} ${day}th`);
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) out.push(...spellings(Number(value)).slice(1));
  return out;
}

/** True when `text` states `value` (a string or number) in one of its usual spellings. */
export function mentions(text: string, value: string | number): boolean {
  const norm = normalizeText(text);
  return spellings(value).some((s) => containsPhrase(norm, String(s)));
}

export type Leaf = { path: string; value: unknown };

/** Every scalar inside an argument object, with its path (`city`, `tags/0`, `filter/min`). A reference to
 * an earlier call's result (`{"$result": ...}`, src/domain/result-refs.ts) is one leaf: it states no value. */
export function leaves(value: unknown, path = ''): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, path ? `${path}/${i}` : String(i)));
  if (value && typeof value === 'object' && !('$result' in value))
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}/${k}` : k));
  return [{ path, value }];
}
