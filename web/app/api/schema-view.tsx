// Draws the JSON Schemas of the server's OpenAPI document: fields, types, limits and descriptions,
// and an example value built from the same schema, so the page cannot drift from the server.
import type { ReactNode } from "react";
import type { JsonSchema } from "@/lib/api";

type Schemas = Record<string, JsonSchema>;

const refName = (ref: string) => ref.split("/").at(-1) ?? ref;

function resolve(schema: JsonSchema, schemas: Schemas, depth = 0): JsonSchema {
  if (schema.$ref && depth < 8) return resolve(schemas[refName(schema.$ref)] ?? {}, schemas, depth + 1);
  return schema;
}

/** A short type: `string`, `integer ≥ 1 ≤ 100`, `"a" | "b"`, `League[]`, `string | null`. */
export function typeText(schema: JsonSchema, schemas: Schemas): string {
  if (schema.$ref) return refName(schema.$ref);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.map((o) => typeText(o, schemas)).join(" | ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const base = types
    .map((t) => (t === "array" ? `${schema.items ? typeText(schema.items, schemas) : "unknown"}[]` : t))
    .join(" | ");
  // Bounds that only restate the number type (32-bit or safe-integer limits) are left out.
  const meaningful = (x: number | undefined) => x !== undefined && Math.abs(x) < 2 ** 31 - 1;
  const limits = [
    meaningful(schema.minimum) && `≥ ${schema.minimum}`,
    meaningful(schema.maximum) && `≤ ${schema.maximum}`,
    schema.minLength !== undefined && `${schema.minLength}–${schema.maxLength ?? "…"} chars`,
    schema.format,
  ].filter(Boolean);
  return [base || "any", ...limits].join(" ");
}

/** The fields of an object schema, nested objects indented; named schemas by name only. */
export function SchemaFields({
  schema,
  schemas,
  depth = 0,
}: {
  schema: JsonSchema;
  schemas: Schemas;
  depth?: number;
}): ReactNode {
  const s = resolve(schema, schemas);
  const inner = s.type === "array" && s.items ? resolve(s.items, schemas) : s;
  if (!inner.properties || depth > 3) return null;
  return (
    <ul className="schema">
      {Object.entries(inner.properties).map(([name, field]) => {
        const shown = field.$ref ? resolve(field, schemas) : field;
        return (
          <li key={name}>
            <span className="field-name">{name}</span>
            {inner.required?.includes(name) ? "" : "?"}:{" "}
            <span className="field-type">{typeText(field, schemas)}</span>
            {(field.description ?? shown.description) && (
              <span className="field-note"> — {field.description ?? shown.description}</span>
            )}
            {field.default !== undefined && (
              <span className="field-note"> (default {JSON.stringify(field.default)})</span>
            )}
            <SchemaFields schema={field} schemas={schemas} depth={depth + 1} />
          </li>
        );
      })}
    </ul>
  );
}

/** Example strings by field name, where the name says what the value is. */
function namedExample(name: string | undefined): string | null {
  if (!name) return null;
  if (name === "id" || name === "leagueId" || name === "league") return "car-soccer-1v1";
  if (/Id$/.test(name)) return "0190f3a2-7c4e-7b1a-9d2e-4f5a6b7c8d9e";
  if (/At$|^at$/.test(name)) return "2026-12-03T12:00:00.000Z";
  if (name === "name") return "my-lab";
  if (name === "envId" || name === "env") return "car-soccer-1v1";
  return null;
}

/** An example value for a schema: the first enum value, limits respected, one item per array. */
export function example(schema: JsonSchema, schemas: Schemas, depth = 0, name?: string): unknown {
  const s = resolve(schema, schemas);
  if (depth > 6) return null;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  const named =
    s.type === "string" || (Array.isArray(s.type) && s.type.includes("string")) ? namedExample(name) : null;
  if (named && !s.format) return named;
  if (s.const !== undefined) return s.const;
  const options = s.anyOf ?? s.oneOf;
  if (options)
    return example(options.find((o) => o.type !== "null") ?? options[0]!, schemas, depth + 1, name);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(s.properties ?? {}).map(([k, v]) => [k, example(v, schemas, depth + 1, k)]),
      );
    case "array":
      return s.items ? [example(s.items, schemas, depth + 1)] : [];
    case "integer":
      return s.minimum !== undefined && Math.abs(s.minimum) < 2 ** 31 ? s.minimum : 1;
    case "number":
      return s.minimum !== undefined && Math.abs(s.minimum) < 2 ** 31 ? s.minimum : 25.0;
    case "boolean":
      return false;
    case "string":
      if (s.format === "uuid") return "0190f3a2-7c4e-7b1a-9d2e-4f5a6b7c8d9e";
      if (s.format === "date-time") return "2026-12-03T12:00:00.000Z";
      if (s.format === "email") return "lab@example.org";
      return "string";
    default:
      return null;
  }
}
