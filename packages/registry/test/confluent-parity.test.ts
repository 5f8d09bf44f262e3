// Behaviours read in Confluent Schema Registry's source (confluentinc/schema-registry, files named
// at each test), checked with raw HTTP (status, content type, exact body) and, where a client
// exposes them, with Confluent's own JavaScript client and @kafkajs/confluent-schema-registry.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient } from "@confluentinc/schemaregistry";
import { SchemaRegistry as KafkajsRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { type RunningRegistry, startRegistry } from "../src/index.js";
import { avroRecord, call } from "./fixtures/http.js";

const CT = "application/vnd.schemaregistry.v1+json";
// Schemas that differ and follow one another under BACKWARD (one optional field each).
const rec = (n: number) => avroRecord("R", [{ name: `f${n}`, type: "int", default: 0 }]);
const raw = async (
  url: string,
  path: string,
  headers: Record<string, string> = {},
  init: RequestInit = {},
) => {
  const res = await fetch(`${url}${path}`, { headers, ...init });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

describe("Confluent parity", () => {
  let r: RunningRegistry;
  let api: (method: string, path: string, body?: unknown) => ReturnType<typeof call>;
  const reg = async (subject: string, schema: string, extra: Record<string, unknown> = {}) =>
    api("POST", `/subjects/${subject}/versions`, { schema, ...extra });
  before(async () => {
    r = await startRegistry({ port: 0 });
    api = (m, p, b) => call(r.url, m, p, b);
  });
  after(() => r.close());

  // SchemasResource.getSchemaOnly and SubjectVersionsResource.getSchemaOnly return a String,
  // which JAX-RS writes as is; RestService.getOnlySchemaById parses the body as the schema's JSON.
  it("/schema paths answer the schema text itself, not a JSON string", async () => {
    const { id } = (await reg("raw", rec(1))).body;
    for (const path of [
      `/schemas/ids/${id}/schema`,
      "/subjects/raw/versions/1/schema",
      "/subjects/raw/versions/latest/schema",
    ]) {
      assert.deepEqual(await raw(r.url, path), { status: 200, type: CT, text: rec(1) }, path);
    }
    const proto = 'syntax = "proto3";\npackage raw;\nmessage M { string s = 1; }\n';
    const p = (await reg("raw-pb", proto, { schemaType: "PROTOBUF" })).body;
    assert.equal((await raw(r.url, `/schemas/ids/${p.id}/schema`)).text, proto);
    // A soft-deleted version's text with ?deleted=true.
    await api("DELETE", "/subjects/raw-pb/versions/1");
    assert.equal((await raw(r.url, "/subjects/raw-pb/versions/1/schema")).status, 404);
    assert.equal((await raw(r.url, "/subjects/raw-pb/versions/1/schema?deleted=true")).text, proto);
    // Confluent's Java client parses the answer as JSON: a primitive schema is the JSON string.
    const prim = (await reg("raw-prim", '"string"')).body;
    assert.equal((await raw(r.url, `/schemas/ids/${prim.id}/schema`)).text, '"string"');
  });

  // Versions.java: produces v1+json (qs 1), vnd.schemaregistry+json (0.9), json (0.5); consumes
  // those and application/octet-stream.
  it("negotiates the answer's type from Accept (406 otherwise) and refuses other body types (415)", async () => {
    assert.equal((await raw(r.url, "/subjects")).type, CT);
    assert.equal((await raw(r.url, "/subjects", { Accept: "application/json" })).type, "application/json");
    assert.equal(
      (await raw(r.url, "/subjects", { Accept: "application/vnd.schemaregistry+json" })).type,
      "application/vnd.schemaregistry+json",
    );
    assert.equal(
      (await raw(r.url, "/subjects", { Accept: "application/json, */*;q=0.1" })).type,
      "application/json",
    );
    assert.equal((await raw(r.url, "/subjects", { Accept: "*/*" })).type, CT);
    assert.deepEqual(await raw(r.url, "/subjects", { Accept: "text/html" }), {
      status: 406,
      type: CT,
      text: '{"error_code":406,"message":"HTTP 406 Not Acceptable"}',
    });
    const body = JSON.stringify({ schema: rec(2) });
    const form = await raw(
      r.url,
      "/subjects/types/versions",
      { "Content-Type": "application/x-www-form-urlencoded" },
      {
        method: "POST",
        body,
      },
    );
    assert.deepEqual(
      [form.status, form.text],
      [415, '{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}'],
    );
    for (const t of ["application/json", "application/octet-stream", "application/vnd.schemaregistry+json"]) {
      const ok = await raw(
        r.url,
        "/subjects/types/versions",
        { "Content-Type": t },
        { method: "POST", body },
      );
      assert.equal(ok.status, 200, t);
    }
  });

  // SubjectVersionsResource.register -> RegisterSchemaResponse(Schema) (since 7.5): id, version,
  // schemaType (not for Avro), references, schema; KafkaSchemaRegistry.get: fetchMaxId -> maxId.
  it("a registration answers id, version and schema; fetchMaxId adds the context's highest id", async () => {
    const a = await reg("answer", rec(3));
    assert.deepEqual(a.body, { id: a.body.id, version: 1, schema: rec(3) });
    const json = JSON.stringify({ type: "object" });
    const j = await reg("answer-json", json, { schemaType: "JSON" });
    assert.deepEqual(j.body, { id: j.body.id, version: 1, schemaType: "JSON", schema: json });
    const max = (await api("GET", `/schemas/ids/${a.body.id}?fetchMaxId=true`)).body;
    assert.deepEqual(max, { schema: rec(3), maxId: j.body.id });
    const client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
    const full = await client.registerFullResponse("answer", { schemaType: "AVRO", schema: rec(3) });
    assert.deepEqual([full.id, full.version], [a.body.id, 1]);
    await client.close();
  });

  // KafkaSchemaRegistry.register: a schema already registered keeps its id (lookupCache
  // schemaIdAndSubjects), the version is the highest one (soft-deleted included) plus one, and
  // soft-deleted versions with the same id and a lower version are tombstoned.
  it("re-registering a soft-deleted schema gives its id back under a new version and purges the old one", async () => {
    const v1 = (await reg("again", rec(10))).body;
    assert.equal((await api("PUT", "/config/again", { compatibility: "FULL" })).status, 200);
    const v2 = (await reg("again", rec(11))).body;
    assert.equal((await api("DELETE", "/subjects/again/versions/1")).body, 1);
    const back = await reg("again", rec(10));
    assert.deepEqual(back.body, { id: v1.id, version: 3, schema: rec(10) });
    assert.deepEqual((await api("GET", "/subjects/again/versions?deleted=true")).body, [2, 3]);
    const gone = await api("GET", "/subjects/again/versions/1?deleted=true");
    assert.deepEqual([gone.status, gone.body], [404, { error_code: 40402, message: "Version 1 not found." }]);
    assert.deepEqual((await api("GET", `/schemas/ids/${v1.id}/versions`)).body, [
      { subject: "again", version: 3 },
    ]);

    // The whole subject soft-deleted, then one schema back: its id, the next version; the
    // others stay soft-deleted, listed with deleted, deletedOnly and deletedAsNegative.
    assert.deepEqual((await api("DELETE", "/subjects/again")).body, [2, 3]);
    assert.ok((await api("GET", "/subjects?deletedOnly=true")).body.includes("again"));
    assert.ok(!(await api("GET", "/subjects")).body.includes("again"));
    const client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
    assert.equal(await client.register("again", { schemaType: "AVRO", schema: rec(11) }), v2.id);
    assert.deepEqual(await client.getAllVersions("again"), [4]);
    await client.close();
    assert.deepEqual((await api("GET", "/subjects/again/versions?deleted=true")).body, [3, 4]);
    assert.deepEqual((await api("GET", "/subjects/again/versions?deletedOnly=true")).body, [3]);
    assert.deepEqual((await api("GET", "/subjects/again/versions?deletedAsNegative=true")).body, [-3, 4]);
    assert.ok(!(await api("GET", "/subjects?deletedOnly=true")).body.includes("again"));
    // `latest` is the latest live version, with ?deleted=true too; none live: 40402 for -1.
    assert.equal((await api("GET", "/subjects/again/versions/latest?deleted=true")).body.version, 4);
    await api("DELETE", "/subjects/again/versions/4");
    const latest = await api("GET", "/subjects/again/versions/latest?deleted=true");
    assert.deepEqual(
      [latest.status, latest.body],
      [404, { error_code: 40402, message: "Version -1 not found." }],
    );
    const noLive = await api("GET", "/subjects/again/versions/latest");
    assert.deepEqual([noLive.status, noLive.body.error_code], [404, 40401]);
    // A permanent delete of the last version removes the subject's config too.
    await api("DELETE", "/subjects/again/versions/3?permanent=true");
    await api("DELETE", "/subjects/again/versions/4?permanent=true");
    assert.equal((await api("GET", "/config/again")).body.error_code, 40408);
  });

  // KafkaSchemaRegistry.deleteSchemaVersion / validateDeleteSchemaVersion and deleteSubject(OrForward):
  // not-found and soft-delete states are checked before the mode; exact messages of Errors.java.
  it("deletes answer Confluent's codes and messages in Confluent's order", async () => {
    await reg("del", rec(20));
    const cases: [string, string, number, number, string][] = [
      [
        "DELETE",
        "/subjects/del/versions/1?permanent=true",
        404,
        40407,
        "Subject 'del' Version 1 was not deleted first before being permanently deleted",
      ],
      [
        "DELETE",
        "/subjects/del?permanent=true",
        404,
        40405,
        "Subject 'del' was not deleted first before being permanently deleted",
      ],
      ["DELETE", "/subjects/del/versions/1", 200, 0, ""],
      [
        "DELETE",
        "/subjects/del/versions/1",
        404,
        40406,
        "Subject 'del' Version 1 was soft deleted.Set permanent=true to delete permanently",
      ],
      [
        "DELETE",
        "/subjects/del",
        404,
        40404,
        "Subject 'del' was soft deleted.Set permanent=true to delete permanently",
      ],
      ["DELETE", "/subjects/del/versions/7", 404, 40402, "Version 7 not found."],
      ["DELETE", "/subjects/ghost/versions/1", 404, 40401, "Subject 'ghost' not found."],
    ];
    for (const [m, p, status, code, message] of cases) {
      const a = await api(m, p);
      assert.equal(a.status, status, `${m} ${p}: ${JSON.stringify(a.body)}`);
      if (code !== 0) assert.deepEqual(a.body, { error_code: code, message }, `${m} ${p}`);
    }
    // In a read-only mode, a version that does not exist is still 40402 (checked first), an
    // existing one 42205.
    await reg("del-ro", rec(21));
    await api("PUT", "/mode/del-ro", { mode: "READONLY" });
    assert.equal((await api("DELETE", "/subjects/del-ro/versions/5")).body.error_code, 40402);
    assert.deepEqual((await api("DELETE", "/subjects/del-ro/versions/1")).body, {
      error_code: 42205,
      message: "Subject del-ro in context  is in read-only mode",
    });
    await api("DELETE", "/mode/del-ro");
  });

  // KafkaSchemaRegistry.registerOrForward looks the schema up before register() checks the mode
  // (AbstractSchemaRegistry.checkRegisterMode), then: read-only, an id outside IMPORT, no id in IMPORT.
  it("registration: an existing schema answers in any mode; otherwise the mode's exact refusals", async () => {
    const first = (await reg("modes", rec(30))).body;
    await api("PUT", "/mode/modes", { mode: "READONLY" });
    assert.deepEqual((await reg("modes", rec(30))).body, first, "already registered: answered in READONLY");
    // Confluent's client registers with one POST: answered too. (@kafkajs/confluent-schema-registry
    // first sets the subject's compatibility, which a read-only subject refuses, on Confluent too.)
    const client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
    assert.equal(await client.register("modes", { schemaType: "AVRO", schema: rec(30) }), first.id);
    await client.close();
    const kafkajs = new KafkajsRegistry({ host: r.url });
    await assert.rejects(
      kafkajs.register({ type: SchemaType.AVRO, schema: rec(30) }, { subject: "modes" }),
      /Subject modes in context {2}is in read-only mode/,
    );
    assert.deepEqual((await reg("modes", rec(31))).body, {
      error_code: 42205,
      message: "Subject modes in context  is in read-only mode",
    });
    assert.deepEqual((await api("PUT", "/mode/modes?force=true", { mode: "IMPORT" })).body, {
      mode: "IMPORT",
    });
    assert.deepEqual((await reg("modes", rec(31))).body, {
      error_code: 42205,
      message: "Subject modes in context  is not in read-write mode",
    });
    // IMPORT with an id that holds another schema in the context: Confluent's checkIfSchemaWithIdExist.
    assert.deepEqual((await reg("modes", rec(31), { id: first.id })).body, {
      error_code: 42205,
      message: `Overwrite new schema with id ${first.id} in context  is not permitted.`,
    });
    assert.equal((await reg("modes", rec(31), { id: 900, version: 9 })).body.version, 9);
    await api("DELETE", "/mode/modes");
    assert.deepEqual((await reg("modes", rec(32), { id: 901 })).body, {
      error_code: 42205,
      message: "Subject modes in context  is not in import mode",
    });
    // Outside IMPORT a version given must be the next one.
    assert.deepEqual((await reg("modes", rec(32), { version: 20 })).body, {
      error_code: 42201,
      message: "Version is not one more than previous version",
    });
    assert.equal((await reg("modes", rec(32), { version: 10 })).body.version, 10);
    // The incompatibility message names the subject, quoted (SubjectVersionsResource.register).
    const bad = await reg("modes", avroRecord("R", [{ name: "f32", type: "string" }]));
    assert.equal(bad.status, 409);
    assert.match(
      bad.body.message,
      /^Schema being registered is incompatible with an earlier schema for subject "modes", details: \[/,
    );
    // force skips the compatibility check (Confluent 8's ?force=true).
    assert.equal(
      (
        await api("POST", "/subjects/modes/versions?force=true", {
          schema: avroRecord("R", [{ name: "f32", type: "string" }]),
        })
      ).status,
      200,
    );
  });

  // KafkaSchemaRegistry.setMode: IMPORT without force is refused while a matching subject has a
  // live version ("Cannot import since found existing subjects", the same text for one subject);
  // the soft-deleted versions left are deleted permanently.
  it("IMPORT without force: refused over live versions, purges soft-deleted ones", async () => {
    await reg("imp-live", rec(40));
    const refused = await api("PUT", "/mode/imp-live", { mode: "IMPORT" });
    assert.deepEqual(
      [refused.status, refused.body],
      [422, { error_code: 42205, message: "Cannot import since found existing subjects" }],
    );
    await reg("imp-soft", rec(41));
    await api("DELETE", "/subjects/imp-soft");
    assert.deepEqual((await api("PUT", "/mode/imp-soft", { mode: "IMPORT" })).body, { mode: "IMPORT" });
    const purged = await api("GET", "/subjects/imp-soft/versions?deleted=true");
    assert.equal(purged.body.error_code, 40401);
    await api("DELETE", "/mode/imp-soft");
  });

  // RestInvalidCompatibilityException / RestInvalidModeException default messages (7.x).
  it("invalid levels and modes answer Confluent's fixed messages", async () => {
    assert.deepEqual((await api("PUT", "/config", { compatibility: "SIDEWAYS" })).body, {
      error_code: 42203,
      message:
        "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive",
    });
    assert.deepEqual((await api("PUT", "/mode", { mode: "SOMETIMES" })).body, {
      error_code: 42204,
      message: "Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.",
    });
    assert.deepEqual((await api("GET", "/schemas/ids/4242/versions")).body, {
      error_code: 40403,
      message: "Schema not found",
    });
    assert.deepEqual((await api("GET", "/schemas/ids/4242")).body, {
      error_code: 40403,
      message: "Schema 4242 not found",
    });
    // An invalid schema is reported before an unknown subject on lookup (parsed first).
    assert.equal((await api("POST", "/subjects/nobody-here", { schema: "{" })).body.error_code, 42201);
  });

  // SubjectsResource.list, SubjectVersionsResource.listVersions, SchemasResource.getSchemas:
  // offset and limit (AbstractSchemaRegistry.normalizeLimit: a limit outside (0, max] is the default).
  it("listings page with offset and limit", async () => {
    for (let i = 50; i < 54; i++) await reg("paged", rec(i));
    assert.deepEqual((await api("GET", "/subjects/paged/versions?offset=1&limit=2")).body, [2, 3]);
    assert.deepEqual((await api("GET", "/subjects/paged/versions?offset=3&limit=0")).body, [4]);
    assert.deepEqual((await api("GET", "/subjects/paged/versions?offset=9")).body, []);
    const all = (await api("GET", "/subjects")).body as string[];
    assert.deepEqual((await api("GET", "/subjects?offset=1&limit=1")).body, all.slice(1, 2));
    assert.equal((await api("GET", "/schemas?subjectPrefix=paged&limit=3")).body.length, 3);
  });

  // SchemasResource.getSchema with referenceFormat=qualified (Confluent 8): the references of a
  // schema of a named context, looked up with ?subject=, are qualified with that context.
  it("referenceFormat=qualified names references in the schema's context", async () => {
    const address = avroRecord("Address", [{ name: "city", type: "string" }]);
    const person = avroRecord("Person", [{ name: "home", type: "Address" }]);
    await api("POST", "/subjects/:.refs:address/versions", { schema: address });
    const p = await api("POST", "/subjects/:.refs:person/versions", {
      schema: person,
      references: [{ name: "Address", subject: "address", version: 1 }],
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const plain = await api("GET", `/schemas/ids/${p.body.id}?subject=:.refs:person`);
    assert.deepEqual(plain.body.references, [{ name: "Address", subject: "address", version: 1 }]);
    const qualified = await api(
      "GET",
      `/schemas/ids/${p.body.id}?subject=:.refs:person&referenceFormat=qualified`,
    );
    assert.deepEqual(qualified.body.references, [{ name: "Address", subject: ":.refs:address", version: 1 }]);
  });
  // AvroSchema.formattedString: RESOLVED is the parsed schema's toString (its references' named
  // types written in at first use), anything else the canonical text; JsonSchema.formattedString
  // has no format; ProtobufSchema's unknown formats answer the canonical text ("for forward
  // compatibility of formats"), never an error.
  it("?format=resolved writes an Avro schema's references in; other and unknown formats answer the schema as stored", async () => {
    const address = JSON.stringify({
      type: "record",
      name: "Address",
      namespace: "geo",
      fields: [{ name: "city", type: "string" }],
    });
    const user = JSON.stringify({
      type: "record",
      name: "User",
      namespace: "acme",
      fields: [
        { name: "home", type: "geo.Address" },
        { name: "work", type: ["null", "geo.Address"], default: null },
      ],
    });
    assert.equal((await reg("fmt-address", address)).status, 200);
    const { id } = (
      await reg("fmt-user", user, {
        references: [{ name: "geo.Address", subject: "fmt-address", version: 1 }],
      })
    ).body;
    const resolved = JSON.stringify({
      type: "record",
      name: "User",
      namespace: "acme",
      fields: [
        {
          name: "home",
          type: {
            type: "record",
            name: "Address",
            namespace: "geo",
            fields: [{ name: "city", type: "string" }],
          },
        },
        { name: "work", type: ["null", "geo.Address"], default: null },
      ],
    });
    for (const path of [
      `/schemas/ids/${id}`,
      "/subjects/fmt-user/versions/1",
      "/subjects/fmt-user/versions/latest",
    ]) {
      const got = await api("GET", `${path}?format=resolved`);
      assert.equal(got.body.schema, resolved, path);
      // The references are still named, as Confluent's SchemaString keeps them.
      assert.deepEqual(got.body.references, [{ name: "geo.Address", subject: "fmt-address", version: 1 }]);
      assert.equal((await api("GET", `${path}?format=default`)).body.schema, user);
      assert.equal((await api("GET", `${path}?format=nonsense`)).body.schema, user);
    }
    for (const path of [`/schemas/ids/${id}/schema`, "/subjects/fmt-user/versions/1/schema"]) {
      assert.equal((await raw(r.url, `${path}?format=resolved`)).text, resolved, path);
    }
    const lookup = await api("POST", "/subjects/fmt-user?format=resolved", {
      schema: user,
      references: [{ name: "geo.Address", subject: "fmt-address", version: 1 }],
    });
    assert.equal(lookup.body.schema, resolved);
    // The resolved text is the same schema standing alone: it registers without references and
    // reads what the original writes.
    const alone = await reg("fmt-alone", resolved);
    assert.equal(alone.status, 200, JSON.stringify(alone.body));
    const { default: avro } = await import("avsc");
    const withRefs = avro.Type.forSchema(JSON.parse(user), {
      registry: { "geo.Address": avro.Type.forSchema(JSON.parse(address)) },
    });
    const value = { home: { city: "Lyon" }, work: { city: "Nice" } };
    const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
    assert.deepEqual(
      plain(avro.Type.forSchema(JSON.parse(resolved)).fromBuffer(withRefs.toBuffer(value))),
      value,
    );
    // A schema without references, JSON Schema and Protobuf: every format but Protobuf's
    // `serialized` answers the text as stored.
    const json = '{"type":"object","properties":{"a":{"type":"string"}}}';
    const proto = 'syntax = "proto3";\nmessage M {\n  string a = 1;\n}\n';
    const jsonId = (await reg("fmt-json", json, { schemaType: "JSON" })).body.id;
    const protoId = (await reg("fmt-proto", proto, { schemaType: "PROTOBUF" })).body.id;
    for (const f of ["resolved", "default", "ignore_extensions", "serialized", "x"]) {
      assert.equal((await api("GET", `/schemas/ids/${jsonId}?format=${f}`)).body.schema, json, f);
      assert.equal(
        (await api("GET", `/subjects/fmt-address/versions/1?format=${f}`)).body.schema,
        address,
        f,
      );
      if (f !== "serialized" && f !== "ignore_extensions")
        assert.equal((await api("GET", `/schemas/ids/${protoId}?format=${f}`)).body.schema, proto, f);
    }
  });
  // ConfigUpdateRequest / ConfigValue.update: a field given replaces the old one (null unsets it),
  // one not given stays; ConfigResource answers the update under `compatibility`, GET /config
  // (Config) under `compatibilityLevel`, filled with the default level (InMemoryCache's
  // populateCompatibilityLevel); RuleSet.validate's messages under 42210.
  it("config fields beyond compatibility: stored, merged, answered and validated as Confluent's", async () => {
    const rule = { name: "positive", kind: "CONDITION", type: "CEL", mode: "WRITE", expr: "message.n > 0" };
    const first = {
      alias: "elsewhere",
      normalize: true,
      validateFields: false,
      compatibilityGroup: "application.major.version",
      defaultMetadata: { properties: { owner: "team-a" } },
      overrideRuleSet: { domainRules: [rule] },
    };
    const put1 = await api("PUT", "/config/cfg-s", first);
    assert.deepEqual([put1.status, put1.body], [200, first]);
    assert.deepEqual((await api("GET", "/config/cfg-s")).body, { ...first, compatibilityLevel: "BACKWARD" });
    const put2 = await api("PUT", "/config/cfg-s", {
      compatibility: "full",
      alias: null,
      validateFields: "true",
    });
    const kept = { ...first, validateFields: true, compatibility: "FULL" } as Record<string, unknown>;
    delete kept.alias;
    assert.deepEqual(put2.body, kept);
    const { compatibility, ...rest } = kept;
    assert.deepEqual((await api("GET", "/config/cfg-s")).body, {
      ...rest,
      compatibilityLevel: compatibility,
    });
    // Refusals, and the config unchanged by them.
    const refusals: [unknown, number, string][] = [
      [{ compatibility: "SIDEWAYS" }, 42203, "Invalid compatibility level"],
      [{ defaultRuleSet: { domainRules: [rule, rule] } }, 42210, "Found rule with duplicate name 'positive'"],
      [
        { defaultRuleSet: { migrationRules: [rule] } },
        42210,
        "Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN",
      ],
      [{ overrideRuleSet: { domainRules: [{ ...rule, type: undefined }] } }, 42210, "Missing rule type"],
      [
        { overrideRuleSet: { domainRules: [{ ...rule, name: "1st" }] } },
        42210,
        "Illegal initial character in rule name: 1st",
      ],
      [
        { overrideRuleSet: { domainRules: [{ ...rule, name: "a b" }] } },
        42210,
        "Illegal character in rule name: a b",
      ],
      [
        { overrideRuleSet: { encodingRules: [{ ...rule, onFailure: "ERROR,NONE" }] } },
        42210,
        "Multiple actions only valid with WRITEREAD and UPDOWN",
      ],
      [{ normalize: "maybe" }, 422, "normalize"],
    ];
    for (const [body, code, message] of refusals) {
      const got = await api("PUT", "/config/cfg-s", body);
      assert.equal(got.status, 422, JSON.stringify(body));
      assert.equal(got.body.error_code, code, JSON.stringify(got.body));
      assert.ok(
        got.body.message.startsWith(message) || got.body.message.includes(`'${message}'`),
        got.body.message,
      );
    }
    assert.deepEqual((await api("GET", "/config/cfg-s")).body.compatibilityLevel, "FULL");
    assert.equal((await api("DELETE", "/config/cfg-s")).status, 200);
  });

  // SubjectVersionsResource.register, SubjectsResource.lookUpSchemaUnderSubject and
  // CompatibilityResource: `normalize = normalize || getConfigInScope(subject).isNormalize()`.
  it("a config's normalize applies to registrations, lookups and compatibility tests as ?normalize=true", async () => {
    const a = JSON.stringify({ type: "record", name: "N", fields: [{ name: "n", type: "int" }] });
    const reordered = JSON.stringify({ fields: [{ type: "int", name: "n" }], name: "N", type: "record" });
    assert.equal((await api("PUT", "/config/norm-on", { normalize: true })).status, 200);
    const v1 = (await reg("norm-on", a)).body;
    const again = (await reg("norm-on", reordered)).body;
    assert.deepEqual([again.id, again.version], [v1.id, v1.version], "the reordered text is the same schema");
    assert.equal((await api("POST", "/subjects/norm-on", { schema: reordered })).body.version, 1);
    // Without it, the reordered text is another version (and a lookup does not find it).
    const p1 = (await reg("norm-off", a)).body;
    const p2 = (await reg("norm-off", reordered)).body;
    assert.deepEqual([p1.version, p2.version], [1, 2]);
    // The top level's normalize reaches every subject without a config of its own...
    assert.equal((await api("PUT", "/config", { normalize: true, compatibility: "NONE" })).status, 200);
    assert.equal((await reg("norm-top", a)).body.version, 1);
    assert.equal((await reg("norm-top", reordered)).body.version, 1);
    // ...and a subject's own config without a level has the server's default one, not the top
    // level's (getConfigInScope merges the flags only; populateCompatibilityLevel fills the level).
    assert.deepEqual((await api("GET", "/config/norm-on?defaultToGlobal=true")).body, {
      normalize: true,
      compatibilityLevel: "BACKWARD",
    });
    assert.equal((await api("GET", "/config/norm-top?defaultToGlobal=true")).body.compatibilityLevel, "NONE");
    await api("DELETE", "/config");
    assert.deepEqual((await api("GET", "/config")).body, { compatibilityLevel: "BACKWARD" });
  });

  // AliasFilter: the segment after `subjects`, and ?subject= of /schemas/ids, are replaced by the
  // alias of their own config (qualified with the aliased subject's context); /config paths are not.
  it("alias: a subject's requests act on its alias subject, in its context", async () => {
    const a = avroRecord("Al", [{ name: "a", type: "int" }]);
    const b = avroRecord("Al", [
      { name: "a", type: "int" },
      { name: "b", type: "int", default: 0 },
    ]);
    const { id } = (await reg("al-real", a)).body;
    assert.equal((await api("PUT", "/config/al-alias", { alias: "al-real" })).status, 200);
    const got = await api("GET", "/subjects/al-alias/versions/1");
    assert.deepEqual([got.body.subject, got.body.id], ["al-real", id]);
    const second = await reg("al-alias", b);
    assert.equal(second.body.version, 2);
    assert.deepEqual((await api("GET", "/subjects/al-real/versions")).body, [1, 2]);
    assert.equal((await api("GET", "/subjects/al-alias/versions")).status, 200);
    assert.equal(
      (await api("POST", "/compatibility/subjects/al-alias/versions/latest", { schema: a })).body
        .is_compatible,
      true,
    );
    assert.equal((await api("GET", `/schemas/ids/${second.body.id}?subject=al-alias`)).body.schema, b);
    // The alias subject itself has no versions; its config is its own.
    assert.ok(!(await api("GET", "/subjects")).body.includes("al-alias"));
    assert.deepEqual((await api("GET", "/config/al-alias")).body, {
      alias: "al-real",
      compatibilityLevel: "BACKWARD",
    });
    // In a context, an unqualified alias names a subject of the same context.
    await reg(":.al:target", a);
    await api("PUT", "/config/:.al:short", { alias: "target" });
    assert.equal((await api("GET", "/subjects/:.al:short/versions/latest")).body.subject, ":.al:target");
    assert.equal(
      (await api("GET", "/contexts/.al/subjects/short/versions/latest")).body.subject,
      ":.al:target",
    );
  });
});
