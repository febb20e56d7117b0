// Realistic argument values for a parameter, from its name, description, format and bounds: person
// names, real cities, dates, amounts of a sensible size, emails, ids shaped like the description's example.
// Every value comes from @faker-js/faker seeded from the task's rng, so the same task gives the same value.
import { Faker, base, en } from '@faker-js/faker';
import type { Rng } from '../domain/rng.js';

type Schema = Record<string, unknown>;

/** What is known about the parameter a value is for. `tool` is the tool's name and description. */
export type ValueContext = { name: string; description?: string; tool?: string };

const faker = new Faker({ locale: [en, base] });

/** The shared Faker, reseeded from `rng` before each value: deterministic per task, independent of call order elsewhere. */
function seeded(rng: Rng): Faker {
  faker.seed(rng.int(0, 2 ** 31 - 1));
  return faker;
}

const WORLD_CITIES = [
  'Lisbon, Portugal',
  'Osaka, Japan',
  'Nairobi, Kenya',
  'Toronto, Canada',
  'Krakow, Poland',
  'Lima, Peru',
  'Oslo, Norway',
  'Hanoi, Vietnam',
  'Melbourne, Australia',
  'Cape Town, South Africa',
  'Seville, Spain',
  'Lyon, France',
  'Munich, Germany',
  'Bologna, Italy',
  'Edinburgh, United Kingdom',
  'Dublin, Ireland',
  'Vancouver, Canada',
  'Monterrey, Mexico',
  'Bogota, Colombia',
  'Santiago, Chile',
  'Porto Alegre, Brazil',
  'Marrakesh, Morocco',
  'Cairo, Egypt',
  'Istanbul, Turkey',
  'Tbilisi, Georgia',
  'Mumbai, India',
  'Bangalore, India',
  'Seoul, South Korea',
  'Taipei, Taiwan',
  'Singapore, Singapore',
  'Auckland, New Zealand',
  'Reykjavik, Iceland',
  'Helsinki, Finland',
  'Prague, Czech Republic',
  'Vienna, Austria',
  'Zurich, Switzerland',
  'Rotterdam, Netherlands',
  'Ghent, Belgium',
  'Chicago, United States',
  'Austin, United States',
  'Denver, United States',
  'Seattle, United States',
];
const TAGS = [
  'work',
  'ideas',
  'travel',
  'family',
  'finance',
  'health',
  'urgent',
  'reading',
  'groceries',
  'garden',
  'school',
  'meetings',
  'recipes',
  'fitness',
];
const LANGUAGES = [
  ['en', 'English'],
  ['fr', 'French'],
  ['de', 'German'],
  ['es', 'Spanish'],
  ['pt', 'Portuguese'],
  ['ja', 'Japanese'],
  ['it', 'Italian'],
  ['nl', 'Dutch'],
  ['ko', 'Korean'],
  ['pl', 'Polish'],
];
const TICKERS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'TSLA', 'META', 'NFLX', 'IBM', 'ORCL', 'SAP', 'ASML'];
const NOTE_TITLES = [
  (f: Faker) => `Call ${f.person.firstName()} about the ${f.commerce.product().toLowerCase()} order`,
  (f: Faker) => `Trip to ${f.helpers.arrayElement(WORLD_CITIES).split(',')[0]} in ${f.date.month()}`,
  (f: Faker) => `${f.date.month()} budget review`,
  (f: Faker) => `Gift ideas for ${f.person.firstName()}`,
  (f: Faker) => `Meeting notes with ${f.company.name()}`,
  (f: Faker) =>
    `${f.helpers.arrayElement(['Weekly', 'Weekend', 'Monthly'])} ${f.helpers.arrayElement(['shopping list', 'plan', 'chores', 'reading list'])}`,
  (f: Faker) => `Fix the ${f.commerce.product().toLowerCase()} before ${f.date.weekday()}`,
];
const NOTE_BODIES = [
  (f: Faker) =>
    `Remember to ask ${f.person.firstName()} about the ${f.commerce.product().toLowerCase()} delivery before ${f.date.weekday()}.`,
  (f: Faker) =>
    `Buy ${f.food.ingredient().toLowerCase()}, ${f.food.ingredient().toLowerCase()} and bread on the way home.`,
  (f: Faker) =>
    `Book the train to ${f.helpers.arrayElement(WORLD_CITIES).split(',')[0]} and confirm the hotel for ${f.date.month()}.`,
  (f: Faker) =>
    `Draft the proposal for ${f.company.name()} and send it to ${f.person.firstName()} by ${f.date.weekday()}.`,
  (f: Faker) => `Try the ${f.food.dish().toLowerCase()} recipe this weekend.`,
  (f: Faker) =>
    `Renew the ${f.helpers.arrayElement(['passport', 'gym membership', 'car insurance', 'library card'])} before ${f.date.month()}.`,
];
const QUERIES = [
  (f: Faker) => f.book.genre().toLowerCase(),
  (f: Faker) => f.word.noun(),
  (f: Faker) => `${f.word.adjective()} ${f.word.noun()}`,
  (f: Faker) => f.commerce.product().toLowerCase(),
  (f: Faker) =>
    f.helpers.arrayElement(['budget', 'meeting', 'recipe', 'invoice', 'birthday', 'project plan', 'vacation']),
];

type StringRule = { when: (k: Keys) => boolean; make: (f: Faker, k: Keys) => string };
type Keys = {
  words: string[];
  name: string;
  desc: string;
  rawDesc: string;
  tool: string;
  has: (...w: string[]) => boolean;
  last: string;
};

/** `bookId`, `book_id`, `book-id` -> ['book', 'id']. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function keysOf(ctx: ValueContext): Keys {
  const words = nameWords(ctx.name);
  const set = new Set(words.flatMap((w) => [w, w.replace(/s$/, '')]));
  return {
    words,
    name: words.join('_'),
    desc: (ctx.description ?? '').toLowerCase(),
    rawDesc: ctx.description ?? '',
    tool: (ctx.tool ?? '').toLowerCase(),
    has: (...w) => w.some((x) => set.has(x)),
    last: words[words.length - 1] ?? '',
  };
}

/** A value shaped like the description's example (`e.g. 'BK-10422'` -> `BK-` and five random digits). */
function likeExample(desc: string, f: Faker): string | undefined {
  const m = /e\.g\.?,?\s*['"`]([A-Za-z0-9][A-Za-z0-9_-]{2,24})['"`]/i.exec(desc);
  if (!m || !/\d/.test(m[1])) return undefined;
  return m[1]
    .replace(/\d/g, () => String(f.number.int(9)))
    .replace(/[a-z]/g, () => f.string.alpha({ casing: 'lower' }));
}

function idValue(f: Faker, k: Keys): string {
  const noun = k.words.filter((w) => w !== 'id').pop() ?? 'item';
  const style = f.number.int(2);
  if (k.has('pid', 'pr') || noun === 'number' || style === 0) return String(f.number.int({ min: 100, max: 99999 }));
  const prefix = noun.length <= 3 ? noun.toUpperCase() : noun.slice(0, 3).toUpperCase();
  return style === 1
    ? `${prefix}-${f.number.int({ min: 1000, max: 99999 })}`
    : `${noun}_${f.string.alphanumeric({ length: 6, casing: 'lower' })}`;
}

const personish = [
  'author',
  'owner',
  'customer',
  'contact',
  'recipient',
  'assignee',
  'passenger',
  'guest',
  'employee',
  'patient',
  'driver',
  'attendee',
  'sender',
  'manager',
  'member',
  'person',
  'student',
  'teacher',
  'doctor',
  'host',
];

const STRING_RULES: StringRule[] = [
  { when: (k) => k.has('email', 'mail'), make: (f) => f.internet.email().toLowerCase() },
  {
    when: (k) => k.has('phone', 'mobile', 'tel', 'telephone'),
    make: (f) => f.phone.number({ style: 'international' }),
  },
  {
    when: (k) => k.has('url', 'website', 'link', 'homepage', 'uri'),
    make: (f) => f.internet.url({ appendSlash: false }),
  },
  {
    when: (k) => k.has('username', 'login', 'handle') || k.name === 'user' || k.name === 'user_name',
    make: (f) => f.internet.username().toLowerCase(),
  },
  { when: (k) => k.has('first', 'given') && k.has('name'), make: (f) => f.person.firstName() },
  { when: (k) => (k.has('last', 'family') && k.has('name')) || k.has('surname'), make: (f) => f.person.lastName() },
  {
    when: (k) =>
      k.has(
        'company',
        'organization',
        'organisation',
        'employer',
        'vendor',
        'merchant',
        'supplier',
        'brand',
        'business',
      ),
    make: (f) => f.company.name(),
  },
  {
    when: (k) => k.has('restaurant'),
    make: (f) =>
      `${f.person.lastName()}'s ${f.helpers.arrayElement(['Bistro', 'Kitchen', 'Trattoria', 'Diner', 'Grill'])}`,
  },
  { when: (k) => k.has('hotel'), make: (f) => `Hotel ${f.person.lastName()}` },
  {
    when: (k) => k.has('airport') || (k.has('origin', 'destination') && /airport|iata/.test(k.desc)),
    make: (f) => f.airline.airport().iataCode,
  },
  { when: (k) => k.has('airline', 'carrier'), make: (f) => f.airline.airline().name },
  {
    when: (k) => k.has('flight'),
    make: (f) => `${f.airline.airline().iataCode}${f.number.int({ min: 100, max: 9999 })}`,
  },
  {
    when: (k) => k.has('street', 'address'),
    make: (f) => `${f.location.streetAddress()}, ${f.helpers.arrayElement(WORLD_CITIES).split(',')[0]}`,
  },
  { when: (k) => k.has('zip', 'postal', 'postcode'), make: (f) => f.location.zipCode('#####') },
  { when: (k) => k.has('country') && k.has('code'), make: (f) => f.location.countryCode('alpha-2') },
  { when: (k) => k.has('country', 'nation'), make: (f) => f.location.country() },
  { when: (k) => k.has('state', 'province', 'region') && !k.has('status'), make: (f) => f.location.state() },
  {
    when: (k) => k.has('city', 'location', 'place', 'town', 'origin', 'destination', 'from', 'to'),
    make: (f, k) => city(f, k),
  },
  { when: (k) => k.has('currency'), make: (f) => f.finance.currencyCode() },
  {
    when: (k) => k.has('language', 'lang', 'locale'),
    make: (f, k) => {
      const [code, label] = f.helpers.arrayElement(LANGUAGES);
      return /code|iso|639/.test(k.desc) || k.has('code', 'locale') ? code : label;
    },
  },
  { when: (k) => k.has('timezone', 'tz') || (k.has('time') && k.has('zone')), make: (f) => f.location.timeZone() },
  { when: (k) => k.has('symbol', 'ticker', 'stock'), make: (f) => f.helpers.arrayElement(TICKERS) },
  { when: (k) => k.has('color', 'colour'), make: (f) => f.color.human() },
  { when: (k) => k.has('isbn'), make: (f) => f.commerce.isbn({ separator: '-' }) },
  { when: (k) => k.has('ip'), make: (f) => f.internet.ipv4() },
  { when: (k) => k.has('domain', 'host', 'hostname'), make: (f) => f.internet.domainName() },
  { when: (k) => k.has('file', 'filename'), make: (f) => f.system.commonFileName() },
  { when: (k) => k.has('path', 'directory', 'folder'), make: (f) => f.system.directoryPath() },
  { when: (k) => k.has('version'), make: (f) => f.system.semver() },
  { when: (k) => k.has('job', 'occupation', 'position') || k.name === 'role', make: (f) => f.person.jobTitle() },
  { when: (k) => k.has('department'), make: (f) => f.commerce.department() },
  {
    when: (k) => k.has('slug', 'repo', 'repository', 'project'),
    make: (f) => `${f.word.adjective()}-${f.word.noun()}`.toLowerCase().replace(/[^a-z0-9-]/g, ''),
  },
  {
    when: (k) => k.has('id', 'uuid', 'pid', 'key', 'code', 'number', 'reference', 'ref', 'sku'),
    make: (f, k) => likeExample(k.rawDesc, f) ?? idValue(f, k),
  },
  {
    when: (k) => k.has('breed', 'species', 'animal') || (k.has('tag', 'type', 'kind') && /\bpet/.test(k.tool)),
    make: (f) => f.animal.type(),
  },
  { when: (k) => k.name === 'name' && /\bpet/.test(k.tool), make: (f) => f.animal.petName() },
  {
    when: (k) => k.has('author', 'writer') && /book|librar|catalog/.test(`${k.desc} ${k.tool}`),
    make: (f) => f.book.author(),
  },
  {
    when: (k) =>
      k.has(...personish) ||
      k.name === 'name' ||
      k.name === 'full_name' ||
      (k.last === 'name' && /person|user|who/.test(k.desc)),
    make: (f) => `${f.person.firstName()} ${f.person.lastName()}`,
  },
  { when: (k) => k.has('product', 'item'), make: (f) => f.commerce.productName() },
  { when: (k) => k.has('book') && k.has('title', 'name'), make: (f) => f.book.title() },
  {
    when: (k) => k.has('title', 'subject', 'headline', 'summary'),
    make: (f, k) => (/book|librar/.test(k.tool) ? f.book.title() : f.helpers.arrayElement(NOTE_TITLES)(f)),
  },
  { when: (k) => k.has('tag', 'label', 'category', 'folder', 'group'), make: (f) => f.helpers.arrayElement(TAGS) },
  {
    when: (k) => k.has('query', 'q', 'search', 'keyword', 'keywords', 'term', 'terms', 'topic'),
    make: (f) => f.helpers.arrayElement(QUERIES)(f),
  },
  {
    when: (k) =>
      k.has(
        'body',
        'content',
        'text',
        'message',
        'note',
        'notes',
        'comment',
        'description',
        'details',
        'reason',
        'instructions',
      ),
    make: (f) => f.helpers.arrayElement(NOTE_BODIES)(f),
  },
  { when: (k) => k.has('genre'), make: (f) => f.book.genre() },
  { when: (k) => k.has('food', 'dish', 'recipe', 'meal'), make: (f) => f.food.dish() },
  { when: (k) => k.has('name'), make: (f) => f.company.name() },
];

function city(f: Faker, k: Keys): string {
  const world = f.helpers.arrayElement(WORLD_CITIES);
  // "City name, optionally with country": sometimes with the country, as people write it.
  if (/country/.test(k.desc)) return f.datatype.boolean() ? world : world.split(',')[0];
  return f.datatype.boolean(0.3) ? f.helpers.arrayElement(en.location!.city_name as string[]) : world.split(',')[0];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date in 2025-2026 as `YYYY-MM-DD` (with `THH:MM:00` for date-time), or a time `HH:MM`. */
function dateValue(f: Faker, kind: 'date' | 'date-time' | 'time'): string {
  const d = f.date.between({ from: '2025-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' });
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(f.number.int({ min: 7, max: 21 }))}:${f.helpers.arrayElement(['00', '15', '30', '45'])}`;
  return kind === 'date' ? date : kind === 'time' ? time : `${date}T${time}:00Z`;
}

/** A realistic string for the parameter, or undefined when nothing fits (the caller falls back to plain words). */
export function realisticString(ctx: ValueContext, schema: Schema, rng: Rng): string {
  const f = seeded(rng);
  const k = keysOf(ctx);
  const fmt = schema.format as string | undefined;
  if (fmt === 'date' || k.has('date', 'birthday', 'dob') || /(^|_)on$/.test(k.name))
    return dateValue(f, fmt === 'date-time' ? 'date-time' : 'date');
  if (fmt === 'date-time' || k.has('datetime', 'timestamp') || /_at$/.test(k.name)) return dateValue(f, 'date-time');
  if (fmt === 'time' || (k.has('time') && !k.has('zone'))) return dateValue(f, 'time');
  if (fmt === 'email') return f.internet.email().toLowerCase();
  if (fmt === 'uri' || fmt === 'url') return f.internet.url({ appendSlash: false });
  if (fmt === 'uuid') return f.string.uuid();
  if (fmt === 'ipv4') return f.internet.ipv4();
  if (fmt === 'hostname') return f.internet.domainName();
  const rule = STRING_RULES.find((r) => r.when(k));
  const fromDesc = !rule ? likeExample(k.rawDesc, f) : undefined;
  return rule ? rule.make(f, k) : (fromDesc ?? `${f.word.adjective()} ${f.word.noun()}`);
}

/** Bounds a description states in words: "7 to 28", "between 1 and 10", "1-50". */
function describedRange(desc: string): [number, number] | undefined {
  const m = /(?:between\s+)?(-?\d+(?:\.\d+)?)\s*(?:to|and|-|–)\s*(-?\d+(?:\.\d+)?)/.exec(desc);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo < hi ? [lo, hi] : undefined;
}

type Magnitude = { lo: number; hi: number; decimals?: number; step?: number };

/** Sensible magnitudes by parameter name: a party is 1-8 people, a price a few to a few hundred. */
function magnitude(k: Keys, integer: boolean): Magnitude {
  if (k.has('latitude', 'lat')) return { lo: -60, hi: 70, decimals: 4 };
  if (k.has('longitude', 'lon', 'lng', 'long')) return { lo: -170, hi: 170, decimals: 4 };
  if (k.has('age')) return { lo: 18, hi: 85 };
  if (k.has('year') || /\byears?\b/.test(k.desc)) return { lo: 1960, hi: 2025 };
  if (k.has('month')) return { lo: 1, hi: 12 };
  if (k.has('day') && !k.has('days')) return { lo: 1, hi: 28 };
  if (k.has('hour')) return { lo: 0, hi: 23 };
  if (k.has('minute', 'minutes')) return { lo: 5, hi: 90, step: 5 };
  if (k.has('days', 'nights')) return { lo: 1, hi: 14 };
  if (k.has('weeks')) return { lo: 1, hi: 8 };
  if (k.has('quantity', 'qty', 'people', 'guests', 'adults', 'party', 'tickets', 'seats', 'rooms', 'copies', 'items'))
    return { lo: 1, hi: 8 };
  if (k.has('limit', 'max', 'top', 'size', 'per', 'count', 'results')) return { lo: 5, hi: 50, step: 5 };
  if (k.has('page')) return { lo: 1, hi: 5 };
  if (k.has('offset', 'skip')) return { lo: 0, hi: 100, step: 10 };
  if (k.has('salary', 'income')) return { lo: 30000, hi: 150000, step: 1000 };
  if (k.has('budget', 'loan', 'principal', 'deposit')) return { lo: 200, hi: 20000, step: 50 };
  if (k.has('price', 'cost', 'amount', 'total', 'fee', 'fine', 'balance', 'payment', 'charge', 'value'))
    return integer ? { lo: 5, hi: 500 } : { lo: 2, hi: 250, decimals: 2 };
  if (k.has('percent', 'percentage', 'discount', 'tax'))
    return integer ? { lo: 5, hi: 40 } : { lo: 2.5, hi: 35, decimals: 1 };
  if (k.has('rate', 'interest')) return { lo: 1, hi: 9, decimals: integer ? 0 : 2 };
  if (k.has('probability', 'ratio', 'fraction', 'threshold', 'confidence'))
    return integer ? { lo: 0, hi: 1 } : { lo: 0.05, hi: 0.95, decimals: 2 };
  if (k.has('temperature', 'temp')) return { lo: -5, hi: 35 };
  if (k.has('rating', 'stars', 'score', 'priority', 'level')) return { lo: 1, hi: 5 };
  if (k.has('children', 'kids', 'pets')) return { lo: 0, hi: 4 };
  if (k.has('weight', 'kg')) return { lo: 1, hi: 90, decimals: integer ? 0 : 1 };
  if (k.has('height', 'cm')) return { lo: 150, hi: 200 };
  if (k.has('distance', 'radius', 'km', 'miles')) return { lo: 1, hi: 50 };
  if (k.has('duration', 'length', 'timeout', 'seconds', 'delay')) return { lo: 5, hi: 120, step: 5 };
  if (k.has('id', 'pid', 'number')) return { lo: 1000, hi: 99999 };
  return integer ? { lo: 1, hi: 100 } : { lo: 1, hi: 100, decimals: 1 };
}

/** A number of a sensible magnitude for the parameter's name, always inside the schema's own bounds. */
export function realisticNumber(ctx: ValueContext, schema: Schema, rng: Rng, integer: boolean): number {
  const k = keysOf(ctx);
  const m = magnitude(k, integer);
  const said = describedRange(k.desc);
  const num = (x: unknown) => (typeof x === 'number' ? x : undefined);
  const smallStep = integer ? 1 : 0.01;
  const minS =
    num(schema.minimum) ??
    (num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + smallStep : undefined);
  const maxS =
    num(schema.maximum) ??
    (num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - smallStep : undefined);
  let lo = Math.max(m.lo, minS ?? said?.[0] ?? -Infinity);
  let hi = Math.min(m.hi, maxS ?? said?.[1] ?? Infinity);
  if (lo > hi) {
    // The schema's bounds win over a name's usual magnitude.
    lo = minS ?? said?.[0] ?? hi;
    hi = Math.max(lo, maxS ?? said?.[1] ?? lo + 100);
  }
  const step = num(schema.multipleOf) ?? m.step;
  if (integer || !m.decimals) {
    const ilo = Math.ceil(lo);
    const ihi = Math.max(ilo, Math.floor(hi));
    if (step && step >= 1) {
      const first = Math.ceil(ilo / step);
      const last = Math.floor(ihi / step);
      if (last >= first) return rng.int(first, last) * step;
    }
    return rng.int(ilo, ihi);
  }
  const scale = 10 ** m.decimals;
  const v = Math.round((lo + rng.next() * (hi - lo)) * scale) / scale;
  return Math.min(hi, Math.max(lo, v));
}

/** A string matching a simple regular expression (faker's fromRegExp: classes, ranges, counts), or undefined. */
export function patternValue(pattern: string, rng: Rng): string | undefined {
  try {
    return seeded(rng).helpers.fromRegExp(pattern.replace(/^\^/, '').replace(/\$$/, ''));
  } catch {
    return undefined;
  }
}
