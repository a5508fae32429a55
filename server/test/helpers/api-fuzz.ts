// Property-based fuzzing of the HTTP API, driven by its own OpenAPI document: every route, every
// path and query parameter and every JSON body field gets values that fit its schema, mixed with
// hostile ones (lone surrogates, NUL, huge numbers, wrong types, traversal, very long text). Used
// by test/api-fuzz.test.ts (a bounded run in CI) and by bench/server-fuzz (a long run).
import fc from "fast-check";

/** The parts of an OpenAPI 3.1 JSON schema this fuzzer reads. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  default?: unknown;
}

export interface FuzzTarget {
  method: string;
  /** OpenAPI path with `{param}` placeholders. */
  path: string;
  pathParams: { name: string; schema: JsonSchema }[];
  query: { name: string; schema: JsonSchema }[];
  /** The JSON body's fields; null when the route takes no JSON body. */
  body: Record<string, JsonSchema> | null;
}

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema: JsonSchema }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** Every route of the document, as something to fuzz. */
export function fuzzTargets(document: unknown): FuzzTarget[] {
  const targets: FuzzTarget[] = [];
  for (const [path, methods] of Object.entries((document as OpenApi).paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      const json = operation.requestBody?.content?.["application/json"]?.schema;
      targets.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === "path").map(({ name, schema }) => ({ name, schema })),
        query: parameters.filter((p) => p.in === "query").map(({ name, schema }) => ({ name, schema })),
        body: json ? (json.properties ?? {}) : method === "get" || method === "delete" ? null : {},
      });
    }
  }
  return targets;
}

/** Strings that have broken servers, and numbers at the edges of the database's types. */
export const ODD_STRINGS = [
  "",
  "../../etc/passwd",
  "%2e%2e%2f",
  "a\u0000b",
  "\u0000",
  "\uD800",
  "x\uDC00y",
  "\u202Eevil",
  "\u200B",
  "💥".repeat(30),
  "x".repeat(3000),
  "<script>alert(1)</script>",
  '\'; DROP TABLE "Owner"; --',
  "null",
  "[]",
  "{}",
  "NaN",
  "-0",
  "1e999",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "00000000-0000-0000-0000-000000000000",
  "0190a0a0-0000-7000-8000-00000000000G",
];
const ODD_NUMBERS = [
  0, -1, 1, 0.5, 2147483647, 2147483648, -2147483649, 9007199254740992, 1e308, -1e308, 5e-324,
];

/** Anything at all, of any JSON type; strings include every UTF-16 code unit (lone surrogates too). */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string16bits({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.constantFrom(...ODD_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), {
    maxKeys: 3,
  }),
);

/** Values that real requests use, by name: ids that exist, env ids, bot names and the like. */
export type Pools = Record<string, readonly unknown[]>;

/** A value for `name` that fits `schema` (often), or a hostile one. */
export function valueFor(name: string, schema: JsonSchema, pools: Pools): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fittingValue(name, schema, pools) },
    { weight: 2, arbitrary: hostile },
  );
}

/** A value for `name` that fits `schema` (or one from its pool). */
export function fittingValue(name: string, schema: JsonSchema, pools: Pools): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [];
  const pool = pools[name] ?? (schema.format === "uuid" ? pools.uuid : undefined);
  // Pools hold the values real requests use (a few wrong ones among them): taken as they are.
  if (pool?.length) return fc.constantFrom(...pool);
  if (schema.enum?.length) options.push(fc.constantFrom(...schema.enum));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.format === "uuid") options.push(fc.uuid());
  else if (schema.format === "email") options.push(fc.emailAddress());
  else if (type === "integer")
    options.push(
      fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 2 ** 31) }),
    );
  else if (type === "number")
    options.push(fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true }));
  else if (type === "boolean") options.push(fc.boolean());
  else if (type === "string" && schema.pattern)
    options.push(
      fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 64)),
    );
  else if (type === "string") options.push(fc.string({ maxLength: schema.maxLength ?? 40 }));
  return options.length ? fc.oneof(...options) : fc.constant(null);
}

export interface FuzzRequest {
  method: string;
  url: string;
  /** JSON text, or text that is not JSON at all. */
  payload?: string;
  authorization?: string;
}

/** How a value travels in a URL: text as it is, others as JSON would print them. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/** Percent-encodes any text; a lone surrogate (which encodeURIComponent refuses) goes as UTF-8 would carry it. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  }
}

/** Whole requests to `target`: path, query, body and Authorization header. */
export function requestsFor(
  target: FuzzTarget,
  pools: Pools,
  authorizations: readonly string[],
): fc.Arbitrary<FuzzRequest> {
  const path = fc.tuple(...target.pathParams.map((p) => valueFor(p.name, p.schema, pools))).map((values) =>
    target.pathParams.reduce(
      // An empty segment would route elsewhere: a parameter is at least one character.
      (url, p, i) => url.replace(`{${p.name}}`, encode(asText(values[i]) || "-")),
      target.path,
    ),
  );
  const query = fc.tuple(...target.query.map((q) => valueFor(q.name, q.schema, pools))).map((values) =>
    target.query
      .flatMap((q, i) => {
        const value = values[i];
        if (value === undefined) return [];
        // Arrays become repeated parameters, as `?a=1&a=2` sends them.
        const list = Array.isArray(value) ? value : [value];
        return list.map((v) => `${encode(q.name)}=${encode(asText(v))}`);
      })
      .join("&"),
  );
  const fields = target.body ?? {};
  const record = fc.record(
    Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, valueFor(name, schema, pools)])),
    { requiredKeys: [] },
  );
  // Mostly-valid bodies reach past the schema into the handlers: every field fitting, or all but one.
  const fitting = fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([name, schema]) => [name, fittingValue(name, schema, pools)]),
    ),
  );
  const names = Object.keys(fields);
  const allButOne = names.length
    ? fc.tuple(fitting, fc.constantFrom(...names), hostile).map(([r, k, v]) => ({ ...r, [k]: v }))
    : fitting;
  const body: fc.Arbitrary<string | undefined> =
    target.body === null
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 3, arbitrary: record.map((r) => JSON.stringify(r)) },
          { weight: 5, arbitrary: fitting.map((r) => JSON.stringify(r)) },
          { weight: 3, arbitrary: allButOne.map((r) => JSON.stringify(r)) },
          // An unknown field beside the known ones, a body of another type, or no JSON at all.
          {
            weight: 1,
            arbitrary: fc
              .tuple(record, fc.string({ maxLength: 8 }), hostile)
              .map(([r, k, v]) => JSON.stringify({ ...r, [k]: v })),
          },
          { weight: 1, arbitrary: hostile.map((v) => JSON.stringify(v) ?? "null") },
          { weight: 1, arbitrary: fc.constantFrom("{", "[1,", '{"a":1}}', "\u0000", "") },
        );
  return fc.record({
    method: fc.constant(target.method),
    url: fc.tuple(path, query).map(([p, q]) => (q ? `${p}?${q}` : p)),
    payload: body,
    authorization: fc.constantFrom(...authorizations),
  });
}

/** Status codes seen, per target: what the bench reports. */
export type StatusTally = Record<string, Record<number, number>>;

export function tallyStatus(tally: StatusTally, target: string, status: number): void {
  const row = tally[target] ?? {};
  row[status] = (row[status] ?? 0) + 1;
  tally[target] = row;
}
