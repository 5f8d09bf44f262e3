// The REST API against Confluent's: paths, status codes, error codes, content type, modes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningRegistry, startRegistry } from "../src/index.js";
import { avroRecord, call } from "./fixtures/http.js";

const V1 = avroRecord("User", [{ name: "name", type: "string" }]);
const V2 = avroRecord("User", [
  { name: "name", type: "string" },
  { name: "age", type: "int", default: 0 },
]);
const NO_DEFAULT = avroRecord("User", [
  { name: "name", type: "string" },
  { name: "email", type: "string" },
]);

describe("registry REST API", () => {
  let r: RunningRegistry;
  let api: (method: string, path: string, body?: unknown) => ReturnType<typeof call>;
  before(async () => {
    r = await startRegistry({ port: 0 });
    api = (m, p, b) => call(r.url, m, p, b);
  });
  after(() => r.close());

  it("binds 127.0.0.1 and answers with Confluent's content type", async () => {
    assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const a = await api("GET", "/subjects");
    assert.equal(a.status, 200);
    assert.equal(a.contentType, "application/vnd.schemaregistry.v1+json");
    assert.deepEqual(a.body, []);
    assert.deepEqual((await api("GET", "/schemas/types")).body, ["JSON", "PROTOBUF", "AVRO"]);
  });

  it("registers, reuses ids across subjects, and reads back by id, version, latest and -1", async () => {
    const reg = await api("POST", "/subjects/users-value/versions", { schema: V1 });
    assert.equal(reg.status, 200);
    // Confluent (7.5 on) answers with the id, the version and the schema as stored.
    assert.deepEqual(reg.body, { id: 1, version: 1, schema: V1 });
    assert.deepEqual(
      (await api("POST", "/subjects/users-value/versions", { schema: V1 })).body,
      { id: 1, version: 1, schema: V1 },
      "same schema, same id",
    );
    assert.deepEqual(
      (await api("POST", "/subjects/other-value/versions", { schema: V1 })).body,
      { id: 1, version: 1, schema: V1 },
      "other subject, same id",
    );
    assert.deepEqual((await api("POST", "/subjects/users-value/versions", { schema: V2 })).body, {
      id: 2,
      version: 2,
      schema: V2,
    });
    assert.deepEqual((await api("GET", "/subjects/users-value/versions")).body, [1, 2]);
    assert.deepEqual((await api("GET", "/schemas/ids/1")).body, { schema: V1 });
    assert.deepEqual((await api("GET", "/schemas/ids/2/schema")).body, JSON.parse(V2), "the schema itself");
    assert.deepEqual((await api("GET", "/schemas/ids/1/subjects")).body, ["other-value", "users-value"]);
    assert.deepEqual((await api("GET", "/schemas/ids/1/versions")).body, [
      { subject: "other-value", version: 1 },
      { subject: "users-value", version: 1 },
    ]);
    for (const v of ["latest", "-1", "2"]) {
      assert.deepEqual((await api("GET", `/subjects/users-value/versions/${v}`)).body, {
        subject: "users-value",
        version: 2,
        id: 2,
        schema: V2,
      });
    }
    assert.deepEqual((await api("GET", "/subjects/users-value/versions/1/schema")).body, JSON.parse(V1));
    const look = await api("POST", "/subjects/users-value", { schema: V1 });
    assert.deepEqual(look.body, { subject: "users-value", version: 1, id: 1, schema: V1 });
  });

  it("normalize gives one id to texts that differ in attribute order and whitespace", async () => {
    const a = '{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]}';
    const b = '{ "fields": [ {"type": "int", "name": "x"} ], "name": "N", "type": "record" }';
    const ia = (await api("POST", "/subjects/norm/versions?normalize=true", { schema: a })).body.id;
    const ib = (await api("POST", "/subjects/norm/versions?normalize=true", { schema: b })).body.id;
    assert.equal(ia, ib);
    assert.deepEqual((await api("GET", "/subjects/norm/versions")).body, [1]);
    assert.equal((await api("POST", "/subjects/norm?normalize=true", { schema: b })).body.version, 1);
  });

  it("refuses an incompatible schema with 409 and explains it in verbose compatibility tests", async () => {
    const bad = await api("POST", "/subjects/users-value/versions", { schema: NO_DEFAULT });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.error_code, 409);
    assert.match(bad.body.message, /email/);
    const t = await api("POST", "/compatibility/subjects/users-value/versions/latest?verbose=true", {
      schema: NO_DEFAULT,
    });
    assert.equal(t.status, 200);
    assert.equal(t.body.is_compatible, false);
    assert.ok(
      t.body.messages.some((m: string) => m.includes("'email' has no default")),
      t.body.messages.join("\n"),
    );
    const ok = await api("POST", "/compatibility/subjects/users-value/versions", { schema: V2 });
    assert.deepEqual(ok.body, { is_compatible: true });
    const unknownSubject = await api("POST", "/compatibility/subjects/nobody/versions", { schema: V1 });
    assert.deepEqual(unknownSubject.body, { is_compatible: true });
  });

  it("answers every error with Confluent's status and error_code", async () => {
    const cases: [string, string, unknown, number, number][] = [
      ["GET", "/schemas/ids/999", undefined, 404, 40403],
      ["GET", "/subjects/nobody/versions", undefined, 404, 40401],
      ["GET", "/subjects/nobody/versions/1", undefined, 404, 40401],
      ["GET", "/subjects/users-value/versions/99", undefined, 404, 40402],
      ["GET", "/subjects/users-value/versions/0", undefined, 422, 42202],
      ["GET", "/subjects/users-value/versions/abc", undefined, 422, 42202],
      [
        "POST",
        "/subjects/users-value",
        { schema: avroRecord("Nope", [{ name: "z", type: "long" }]) },
        404,
        40403,
      ],
      ["POST", "/subjects/nobody", { schema: V1 }, 404, 40401],
      [
        "POST",
        "/subjects/x/versions",
        { schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"strin"}]}' },
        422,
        42201,
      ],
      ["POST", "/subjects/x/versions", { schema: "not json" }, 422, 42201],
      ["POST", "/subjects/x/versions", { schema: V1, schemaType: "XML" }, 422, 42201],
      ["PUT", "/config", { compatibility: "SIDEWAYS" }, 422, 42203],
      ["PUT", "/mode", { mode: "SOMETIMES" }, 422, 42204],
      ["GET", "/config/users-value", undefined, 404, 40408],
      ["GET", "/mode/users-value", undefined, 404, 40409],
      ["GET", "/nothing/here", undefined, 404, 404],
    ];
    for (const [m, p, b, status, code] of cases) {
      const a = await api(m, p, b);
      assert.equal(a.status, status, `${m} ${p}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.error_code, code, `${m} ${p}: ${JSON.stringify(a.body)}`);
      assert.equal(a.contentType, "application/vnd.schemaregistry.v1+json");
    }
    const parser = await api("POST", "/subjects/x/versions", {
      schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"strin"}]}',
    });
    assert.match(parser.body.message, /strin/, "the parser's message names the bad type");
  });

  it("config: global and per subject, defaultToGlobal, delete back to global", async () => {
    assert.deepEqual((await api("GET", "/config")).body, { compatibilityLevel: "BACKWARD" });
    assert.deepEqual((await api("PUT", "/config/users-value", { compatibility: "none" })).body, {
      compatibility: "NONE",
    });
    assert.deepEqual((await api("GET", "/config/users-value")).body, { compatibilityLevel: "NONE" });
    assert.deepEqual((await api("GET", "/config/other-value?defaultToGlobal=true")).body, {
      compatibilityLevel: "BACKWARD",
    });
    const reg = await api("POST", "/subjects/users-value/versions", { schema: NO_DEFAULT });
    assert.equal(reg.status, 200, "NONE accepts anything");
    assert.deepEqual((await api("DELETE", "/config/users-value")).body, { compatibilityLevel: "NONE" });
    assert.equal((await api("GET", "/config/users-value")).body.error_code, 40408);
  });

  it("soft then permanent deletes, with 40404-40407 in the wrong order", async () => {
    await api("POST", "/subjects/del/versions", { schema: V1 });
    await api("POST", "/subjects/del/versions", { schema: V2 });
    const early = await api("DELETE", "/subjects/del/versions/1?permanent=true");
    assert.deepEqual([early.status, early.body.error_code], [404, 40407]);
    assert.equal((await api("DELETE", "/subjects/del/versions/1")).body, 1);
    const twice = await api("DELETE", "/subjects/del/versions/1");
    assert.deepEqual([twice.status, twice.body.error_code], [404, 40406]);
    assert.equal((await api("GET", "/subjects/del/versions/1")).body.error_code, 40402);
    assert.equal((await api("GET", "/subjects/del/versions/1?deleted=true")).body.version, 1);
    assert.deepEqual((await api("GET", "/subjects/del/versions?deleted=true")).body, [1, 2]);
    assert.equal((await api("DELETE", "/subjects/del/versions/1?permanent=true")).body, 1);
    const permBefore = await api("DELETE", "/subjects/del?permanent=true");
    assert.deepEqual([permBefore.status, permBefore.body.error_code], [404, 40405]);
    assert.deepEqual((await api("DELETE", "/subjects/del")).body, [2]);
    assert.ok(!(await api("GET", "/subjects")).body.includes("del"));
    assert.ok((await api("GET", "/subjects?deleted=true")).body.includes("del"));
    const soft2 = await api("DELETE", "/subjects/del");
    assert.deepEqual([soft2.status, soft2.body.error_code], [404, 40404]);
    assert.deepEqual((await api("DELETE", "/subjects/del?permanent=true")).body, [2]);
    assert.equal((await api("GET", "/subjects/del/versions?deleted=true")).body.error_code, 40401);
    // A new version after a soft delete continues the numbering of the subject.
  });

  it("references: referencedby, and a referenced version cannot be deleted (42206)", async () => {
    const address = JSON.stringify({
      type: "record",
      name: "Address",
      namespace: "com.acme",
      fields: [{ name: "city", type: "string" }],
    });
    const person = JSON.stringify({
      type: "record",
      name: "Person",
      namespace: "com.acme",
      fields: [{ name: "home", type: "com.acme.Address" }],
    });
    const a = (await api("POST", "/subjects/address/versions", { schema: address })).body.id;
    const p = await api("POST", "/subjects/person/versions", {
      schema: person,
      references: [{ name: "com.acme.Address", subject: "address", version: 1 }],
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.deepEqual((await api("GET", "/subjects/address/versions/1/referencedby")).body, [p.body.id]);
    assert.deepEqual((await api("GET", `/schemas/ids/${p.body.id}`)).body.references, [
      { name: "com.acme.Address", subject: "address", version: 1 },
    ]);
    const del = await api("DELETE", "/subjects/address/versions/1");
    assert.deepEqual([del.status, del.body.error_code], [422, 42206]);
    assert.notEqual(a, p.body.id);
  });

  it("modes: READONLY refuses writes (42205), IMPORT keeps client ids and needs force on a non-empty registry", async () => {
    assert.deepEqual((await api("GET", "/mode")).body, { mode: "READWRITE" });
    assert.deepEqual((await api("PUT", "/mode/users-value", { mode: "READONLY" })).body, {
      mode: "READONLY",
    });
    const w = await api("POST", "/subjects/users-value/versions", {
      schema: avroRecord("User", [{ name: "name", type: "string" }], { doc: "new" }),
    });
    assert.deepEqual([w.status, w.body.error_code], [422, 42205]);
    const again = await api("POST", "/subjects/users-value/versions", { schema: V2 });
    assert.equal(again.status, 200, "a schema the subject holds is answered in read-only mode too");
    const d = await api("DELETE", "/subjects/users-value/versions/1");
    assert.deepEqual([d.status, d.body.error_code], [422, 42205]);
    assert.equal((await api("GET", "/subjects/users-value/versions/1")).status, 200, "reads still work");
    assert.deepEqual((await api("DELETE", "/mode/users-value")).body, { mode: "READONLY" });
    assert.equal((await api("GET", "/mode/users-value?defaultToGlobal=true")).body.mode, "READWRITE");

    const refused = await api("PUT", "/mode", { mode: "IMPORT" });
    assert.deepEqual([refused.status, refused.body.error_code], [422, 42205]);
    const withId = await api("POST", "/subjects/imported/versions", {
      schema: avroRecord("Imp", [{ name: "i", type: "int" }]),
      id: 500,
    });
    assert.deepEqual([withId.status, withId.body.error_code], [422, 42205], "an id outside IMPORT mode");
    assert.deepEqual((await api("PUT", "/mode?force=true", { mode: "IMPORT" })).body, { mode: "IMPORT" });
    const imp = await api("POST", "/subjects/imported/versions", {
      schema: avroRecord("Imp", [{ name: "i", type: "int" }]),
      id: 500,
      version: 7,
    });
    assert.deepEqual([imp.body.id, imp.body.version], [500, 7]);
    assert.deepEqual((await api("GET", "/subjects/imported/versions")).body, [7]);
    const noId = await api("POST", "/subjects/imported/versions", {
      schema: avroRecord("Imp2", [{ name: "i", type: "int" }]),
    });
    assert.deepEqual([noId.status, noId.body.error_code], [422, 42205]);
    await api("PUT", "/mode", { mode: "READWRITE" });
    const next = await api("POST", "/subjects/after-import/versions", {
      schema: avroRecord("After", [{ name: "i", type: "int" }]),
    });
    assert.equal(next.body.id, 501, "new ids follow the highest imported one");
  });

  it("JSON Schema and Protobuf register with their schemaType", async () => {
    const json = JSON.stringify({ type: "object", properties: { a: { type: "string" } } });
    const j = await api("POST", "/subjects/js/versions", { schema: json, schemaType: "JSON" });
    assert.equal(j.status, 200);
    assert.deepEqual((await api("GET", `/schemas/ids/${j.body.id}`)).body, {
      schema: json,
      schemaType: "JSON",
    });
    const proto = 'syntax = "proto3";\npackage acme;\nmessage Click { string page = 1; int64 at = 2; }\n';
    const p = await api("POST", "/subjects/pb/versions", { schema: proto, schemaType: "PROTOBUF" });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal((await api("GET", "/subjects/pb/versions/1")).body.schemaType, "PROTOBUF");
    const badProto = await api("POST", "/subjects/pb/versions", {
      schema: "message {",
      schemaType: "PROTOBUF",
    });
    assert.deepEqual([badProto.status, badProto.body.error_code], [422, 42201]);
  });
});

describe("registry server binding", () => {
  it("refuses another host without a token, and needs the bearer token when one is set", async () => {
    await assert.rejects(
      startRegistry({ host: "0.0.0.0", port: 0 }),
      (e: { code?: string; message: string }) =>
        e.code === "FLEUVE_CONFIG_INVALID" && /refusing to bind 0\.0\.0\.0 without a token/.test(e.message),
    );
    const r = await startRegistry({ port: 0, token: "s3cret" });
    try {
      const no = await call(r.url, "GET", "/subjects");
      assert.equal(no.status, 401);
      const yes = await call(r.url, "GET", "/subjects", undefined, { Authorization: "Bearer s3cret" });
      assert.equal(yes.status, 200);
    } finally {
      await r.close();
    }
  });
});
