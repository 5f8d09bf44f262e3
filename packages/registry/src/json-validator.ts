/**
 * Validators of JSON Schemas (ajv), for the serializers and for the registry's check of a new
 * schema. The dialect follows the schema's `$schema`, as Confluent's JsonSchema does: draft-07
 * (also without `$schema`), draft-06, 2019-09 and 2020-12.
 */
import { createRequire } from "node:module";
import AjvModule from "ajv";
import Ajv2019Module from "ajv/dist/2019.js";
import Ajv2020Module from "ajv/dist/2020.js";
import type { ParsedSchema } from "./schema-types.js";

type Ajv = import("ajv").default;
type AjvClass = new (o: object) => Ajv;
/** A compiled validator: true when the value matches; `errors` says why not. */
export type JsonValidate = ReturnType<Ajv["compile"]>;

// ajv is CommonJS: its classes are the default exports' `default` under NodeNext.
const classOf = (m: unknown): AjvClass => ((m as { default?: AjvClass }).default ?? m) as AjvClass;
const OPTIONS = { strict: false, allErrors: true };

type Dialect = "draft-06" | "draft-07" | "2019-09" | "2020-12";

/** The dialect a `$schema` names; undefined for one ajv has no meta-schema of (e.g. draft-04). */
export function jsonSchemaDialect(schema: unknown): Dialect | undefined {
  const s =
    typeof schema === "object" && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (s === undefined) return "draft-07";
  if (typeof s !== "string") return undefined;
  const m = /^https?:\/\/json-schema\.org\/(draft-0[67]|draft\/2019-09|draft\/2020-12)\/schema#?$/.exec(s);
  return m ? (m[1].replace("draft/", "") as Dialect) : undefined;
}

function newAjv(dialect: Dialect): Ajv {
  if (dialect === "2019-09") return new (classOf(Ajv2019Module))(OPTIONS);
  if (dialect === "2020-12") return new (classOf(Ajv2020Module))(OPTIONS);
  const v = new (classOf(AjvModule))(OPTIONS);
  if (dialect === "draft-06") {
    v.addMetaSchema(createRequire(import.meta.url)("ajv/dist/refs/json-schema-draft-06.json"));
  }
  return v;
}

// Made on first use: building one compiles ajv's meta-schemas, ~0.7 s of CPU that every process
// importing the registry (every `fleuve` command) paid at start-up, JSON Schema or not.
const shared = new Map<Dialect, Ajv>();

/**
 * The validator of a parsed JSON schema; throws ajv's message when it does not compile (not a
 * valid schema of its dialect, a `$ref` naming nothing known). With references, a validator of
 * its own holding each referenced schema under its reference name (as Confluent's JsonSchema
 * loads its resolved references), so `{"$ref": "other.json"}` resolves; a shared one otherwise.
 */
export function compileJsonSchema(parsed: Extract<ParsedSchema, { schemaType: "JSON" }>): JsonValidate {
  // A `$schema` ajv does not know compiles as draft-07, which then fails naming the `$schema`.
  const dialect = jsonSchemaDialect(parsed.json) ?? "draft-07";
  let v = shared.get(dialect);
  if (v === undefined) shared.set(dialect, (v = newAjv(dialect)));
  if (parsed.refs.size > 0) {
    v = newAjv(dialect);
    // Names resolve against the root's `$id` when it has one (Confluent's ReferenceResolver).
    const rootId = typeof parsed.json === "object" ? parsed.json.$id : undefined;
    for (const [name, s] of parsed.refs) {
      const key =
        typeof rootId === "string" && URL.canParse(name, rootId) ? new URL(name, rootId).href : name;
      v.addSchema(s as object, key);
    }
  }
  return v.compile(parsed.json as object);
}
