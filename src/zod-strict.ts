// Strict zod schemas at every depth: zod objects silently drop unknown keys by default, so a typo in a
// nested block (`train.trainer.sft.maxStep`) would be ignored and its default used. `strictEverywhere`
// rebuilds a schema with every object, through defaults, optionals, unions and refinements, refusing
// unknown keys with a did-you-mean hint; `checkedAsWritten` validates a block but keeps it as written.
import {
  z,
  ZodArray,
  ZodDefault,
  ZodDiscriminatedUnion,
  ZodEffects,
  ZodNullable,
  ZodObject,
  ZodOptional,
  ZodRecord,
  ZodUnion,
  type ZodErrorMap,
  type ZodRawShape,
  type ZodTypeAny,
} from 'zod';

/** Edit distance, for suggesting the key a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** `'maxStep' (did you mean 'maxSteps'?)`, or just `'maxStep'` when no known key is close. */
export function unknownKeyHint(key: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3))
    ? `'${key}' (did you mean '${best.k}'?)`
    : `'${key}'`;
}

function unknownKeysMessage(known: string[]): ZodErrorMap {
  return (issue, ctx) =>
    issue.code === 'unrecognized_keys'
      ? {
          message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => unknownKeyHint(k, known)).join(', ')}`,
        }
      : { message: ctx.defaultError };
}

/** The same schema with every object in it strict (unknown keys refused, named with a hint). */
export function strictEverywhere<T extends ZodTypeAny>(schema: T): T {
  return walk(schema) as T;
}

function walk(s: ZodTypeAny): ZodTypeAny {
  if (s instanceof ZodObject) {
    const shape = Object.fromEntries(Object.entries(s.shape as ZodRawShape).map(([k, v]) => [k, walk(v)]));
    return new ZodObject({
      ...s._def,
      shape: () => shape,
      unknownKeys: 'strict',
      errorMap: unknownKeysMessage(Object.keys(shape)),
    });
  }
  if (s instanceof ZodDefault) return new ZodDefault({ ...s._def, innerType: walk(s._def.innerType) });
  if (s instanceof ZodOptional) return new ZodOptional({ ...s._def, innerType: walk(s._def.innerType) });
  if (s instanceof ZodNullable) return new ZodNullable({ ...s._def, innerType: walk(s._def.innerType) });
  if (s instanceof ZodEffects) return new ZodEffects({ ...s._def, schema: walk(s._def.schema) });
  if (s instanceof ZodArray) return new ZodArray({ ...s._def, type: walk(s._def.type) });
  if (s instanceof ZodRecord) return new ZodRecord({ ...s._def, valueType: walk(s._def.valueType) });
  if (s instanceof ZodUnion) return new ZodUnion({ ...s._def, options: s._def.options.map(walk) });
  if (s instanceof ZodDiscriminatedUnion) {
    const options = (s.options as ZodTypeAny[]).map(walk);
    const optionsMap = new Map(
      [...s.optionsMap].map(([value, option]) => [value, options[(s.options as ZodTypeAny[]).indexOf(option)]]),
    );
    return new ZodDiscriminatedUnion({ ...s._def, options, optionsMap } as typeof s._def);
  }
  return s;
}

/** Every object schema reachable from `schema` that still lets unknown keys through, by path (for tests). */
export function lenientObjects(schema: ZodTypeAny, path = '(root)'): string[] {
  const s = schema;
  if (s instanceof ZodObject) {
    const own = s._def.unknownKeys === 'strict' ? [] : [path];
    return [...own, ...Object.entries(s.shape as ZodRawShape).flatMap(([k, v]) => lenientObjects(v, `${path}.${k}`))];
  }
  if (s instanceof ZodDefault || s instanceof ZodOptional || s instanceof ZodNullable)
    return lenientObjects(s._def.innerType, path);
  if (s instanceof ZodEffects) return lenientObjects(s._def.schema, path);
  if (s instanceof ZodArray) return lenientObjects(s._def.type, `${path}[]`);
  if (s instanceof ZodRecord) return lenientObjects(s._def.valueType, `${path}.*`);
  if (s instanceof ZodUnion || s instanceof ZodDiscriminatedUnion) {
    return (s.options as ZodTypeAny[]).flatMap((o, i) => lenientObjects(o, `${path}|${i}`));
  }
  return [];
}

/**
 * A block checked against `schema` (strict at every depth) but kept exactly as the user wrote it: the
 * consumer fills the defaults, so what is stored and keyed on is the user's text, not a snapshot of today's defaults.
 */
export function checkedAsWritten<S extends ZodTypeAny>(schema: S) {
  const strict = strictEverywhere(schema);
  return z.record(z.unknown()).superRefine((value, ctx) => {
    const parsed = strict.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue(issue as z.IssueData);
  }) as unknown as z.ZodType<z.input<S>, z.ZodTypeDef, z.input<S>>;
}
