// Contexts as Confluent defines them (schema linking): a subject qualified `:.ctx:name` lives in
// context `.ctx`, schema ids are numbered per context (the same id names different schemas in
// different contexts), `?subject=` picks the context an id is looked up in, `/contexts/{ctx}/...`
// is the same API with its subjects qualified, `:.:name` is the default context's `name`, and
// `/contexts` lists the contexts a subject was registered in (recorded in the store, as Confluent's
// CONTEXT keys, so they stay after their subjects are deleted until DELETE /contexts/{ctx}).
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { keyString, MemoryStore, type RunningRegistry, startRegistry } from "../src/index.js";
import { avroRecord, call } from "./fixtures/http.js";

const A = avroRecord("A", [{ name: "a", type: "int" }]);
const B = avroRecord("B", [{ name: "b", type: "string" }]);
let r: RunningRegistry;
before(async () => {
  r = await startRegistry({ port: 0 });
});
after(() => r.close());

it("ids are per context; ?subject= and /contexts/{ctx}/ address a context", async () => {
  assert.deepEqual((await call(r.url, "GET", "/contexts")).body, ["."]);
  const id = async (subject: string, schema: string) =>
    (await call(r.url, "POST", `/subjects/${subject}/versions`, { schema })).body.id;
  assert.equal(await id("orders", A), 1);
  // Another context starts its own ids: B is id 1 there too.
  assert.equal(await id(":.eu:orders", B), 1);
  // The same schema in a third context through the context's path: again id 1, its own.
  assert.equal(
    (await call(r.url, "POST", "/contexts/.us/subjects/orders/versions", { schema: A })).body.id,
    1,
  );
  // In the default context, B is new: id 2 (ids are not shared with .eu).
  assert.equal(await id("other", B), 2);

  assert.deepEqual((await call(r.url, "GET", "/contexts")).body, [".", ".eu", ".us"]);
  assert.deepEqual((await call(r.url, "GET", "/subjects")).body, [
    ":.eu:orders",
    ":.us:orders",
    "orders",
    "other",
  ]);
  assert.equal((await call(r.url, "GET", "/schemas/ids/1")).body.schema, A);
  assert.equal((await call(r.url, "GET", "/schemas/ids/1?subject=:.eu:orders")).body.schema, B);
  assert.equal((await call(r.url, "GET", "/contexts/.eu/schemas/ids/1")).body.schema, B);
  const missing = await call(r.url, "GET", "/schemas/ids/2?subject=:.eu:orders");
  assert.deepEqual([missing.status, missing.body.error_code], [404, 40403]);
  // `?subject=:.us:` (a context alone) finds the id anywhere in it; a subject of a named context
  // finds only its own versions (Confluent's getSchemaKeyUsingContexts).
  assert.deepEqual((await call(r.url, "GET", "/schemas/ids/1/versions?subject=:.us:")).body, [
    { subject: ":.us:orders", version: 1 },
  ]);
  const notHeld = await call(r.url, "GET", "/schemas/ids/1/versions?subject=:.us:x");
  assert.deepEqual([notHeld.status, notHeld.body], [404, { error_code: 40403, message: "Schema not found" }]);

  assert.deepEqual((await call(r.url, "GET", "/contexts/.eu/subjects/orders/versions/latest")).body, {
    subject: ":.eu:orders",
    version: 1,
    id: 1,
    schema: B,
  });
  // `:.:orders` is the default context's orders.
  assert.deepEqual((await call(r.url, "GET", "/subjects/:.:orders/versions/latest")).body, {
    subject: "orders",
    version: 1,
    id: 1,
    schema: A,
  });
  assert.deepEqual((await call(r.url, "GET", "/subjects?subjectPrefix=:.eu:")).body, [":.eu:orders"]);
  assert.deepEqual((await call(r.url, "GET", "/contexts/.us/subjects")).body, [":.us:orders"]);

  // Each context's subjects evolve on their own: a compatibility test sees only that context's versions.
  const plan = avroRecord("B", [
    { name: "b", type: "string" },
    { name: "plan", type: "string" },
  ]);
  const test = await call(r.url, "POST", "/compatibility/subjects/:.eu:orders/versions/latest", {
    schema: plan,
  });
  assert.deepEqual(test.body, { is_compatible: false });
  const inUs = await call(
    r.url,
    "POST",
    "/contexts/.us/compatibility/subjects/orders/versions/latest?verbose=true",
    {
      schema: plan,
    },
  );
  assert.equal(inUs.body.is_compatible, false);
  assert.ok(inUs.body.messages.length > 0);
});

it("a context has its own config and mode (`/config/:.ctx:`, `/contexts/.ctx/config`): its subjects follow it before the global ones", async () => {
  const V1 = avroRecord("C", [{ name: "c", type: "int" }]);
  const V2 = avroRecord("C", [
    { name: "c", type: "int" },
    { name: "d", type: "string" },
  ]); // no default
  await call(r.url, "POST", "/subjects/:.cfg:items/versions", { schema: V1 });
  await call(r.url, "POST", "/subjects/plain-items/versions", { schema: V1 });
  // Under the global BACKWARD, a field added without a default is refused in any context.
  assert.equal((await call(r.url, "POST", "/subjects/:.cfg:items/versions", { schema: V2 })).status, 409);
  // The context's own level, set by its qualified name, applies to its subjects only.
  assert.deepEqual((await call(r.url, "PUT", "/config/:.cfg:", { compatibility: "NONE" })).body, {
    compatibility: "NONE",
  });
  assert.deepEqual((await call(r.url, "GET", "/config/:.cfg:")).body, { compatibilityLevel: "NONE" });
  assert.deepEqual((await call(r.url, "GET", "/config/:.cfg:items?defaultToGlobal=true")).body, {
    compatibilityLevel: "NONE",
  });
  assert.deepEqual((await call(r.url, "GET", "/config/plain-items?defaultToGlobal=true")).body, {
    compatibilityLevel: "BACKWARD",
  });
  assert.equal((await call(r.url, "POST", "/subjects/:.cfg:items/versions", { schema: V2 })).status, 200);
  assert.equal((await call(r.url, "POST", "/subjects/plain-items/versions", { schema: V2 })).status, 409);
  // `/contexts/.cfg/config` is the same setting; a subject's own level still wins over it.
  assert.deepEqual((await call(r.url, "GET", "/contexts/.cfg/config")).body, { compatibilityLevel: "NONE" });
  await call(r.url, "PUT", "/contexts/.cfg/config/items", { compatibility: "FULL" });
  assert.deepEqual((await call(r.url, "GET", "/config/:.cfg:items")).body, { compatibilityLevel: "FULL" });
  // The global level is untouched.
  assert.deepEqual((await call(r.url, "GET", "/config")).body, { compatibilityLevel: "BACKWARD" });

  // Mode: a read-only context refuses writes to its subjects, and only to them.
  assert.deepEqual((await call(r.url, "PUT", "/contexts/.cfg/mode", { mode: "READONLY" })).body, {
    mode: "READONLY",
  });
  assert.deepEqual((await call(r.url, "GET", "/mode/:.cfg:")).body, { mode: "READONLY" });
  assert.deepEqual((await call(r.url, "GET", "/mode/:.cfg:items?defaultToGlobal=true")).body, {
    mode: "READONLY",
  });
  const refused = await call(r.url, "POST", "/subjects/:.cfg:other/versions", { schema: V1 });
  assert.deepEqual([refused.status, refused.body.error_code], [422, 42205]);
  assert.equal((await call(r.url, "POST", "/subjects/elsewhere/versions", { schema: V1 })).status, 200);
  assert.deepEqual((await call(r.url, "GET", "/mode")).body, { mode: "READWRITE" });
  // Deleting the context's mode and config puts its subjects back under the global ones.
  assert.deepEqual((await call(r.url, "DELETE", "/mode/:.cfg:")).body, { mode: "READONLY" });
  assert.equal((await call(r.url, "POST", "/subjects/:.cfg:other/versions", { schema: V1 })).status, 200);
  assert.deepEqual((await call(r.url, "DELETE", "/config/:.cfg:")).body, { compatibilityLevel: "NONE" });
  assert.deepEqual((await call(r.url, "GET", "/config/:.cfg:other?defaultToGlobal=true")).body, {
    compatibilityLevel: "BACKWARD",
  });
});

// Confluent's lookup order for an unqualified subject (AbstractSchemaRegistry.getUsingContexts,
// lookUpSchemaUnderSubjectUsingContexts, getSchemaKeyUsingContexts): the default context first,
// then the same name in each named context.
it("an unqualified subject found only in a named context is answered from there", async () => {
  const E = avroRecord("E", [{ name: "e", type: "long" }]);
  const eId = (await call(r.url, "POST", "/subjects/:.lookup:only-there/versions", { schema: E })).body.id;
  const got = await call(r.url, "GET", "/subjects/only-there/versions/1");
  assert.deepEqual(
    [got.status, got.body],
    [200, { subject: ":.lookup:only-there", version: 1, id: eId, schema: E }],
  );
  assert.equal(
    (await call(r.url, "POST", "/subjects/only-there", { schema: E })).body.subject,
    ":.lookup:only-there",
  );
  // An id the default context does not hold under that name: the named context's, by the subject.
  const byId = await call(r.url, "GET", `/schemas/ids/${eId}?subject=only-there`);
  assert.equal(byId.status, 200);
  // Not found anywhere: 40401 when no context has the subject, 40402 when the version is missing.
  const none = await call(r.url, "GET", "/subjects/nowhere/versions/1");
  assert.deepEqual(
    [none.status, none.body],
    [404, { error_code: 40401, message: "Subject 'nowhere' not found." }],
  );
  const missing = await call(r.url, "GET", "/subjects/:.lookup:only-there/versions/9");
  assert.deepEqual(
    [missing.status, missing.body],
    [404, { error_code: 40402, message: "Version 9 not found." }],
  );
  // A qualified subject is never looked up elsewhere.
  const qualified = await call(r.url, "GET", "/subjects/:.other:only-there/versions/1");
  assert.equal(qualified.body.error_code, 40401);
  // `/contexts/{ctx}/` does not qualify a subject that names its context already.
  const already = await call(r.url, "GET", "/contexts/.elsewhere/subjects/:.lookup:only-there/versions/1");
  assert.equal(already.body.subject, ":.lookup:only-there");
});

// Confluent's InMemoryCache.config/mode: a subject of a named context falls back to its context's
// setting, then to `:.__GLOBAL:`'s, then to the server's default; the top-level `PUT /config` and
// `PUT /mode` are the default context's and do not reach named contexts.
it("the top-level config and mode are the default context's; :.__GLOBAL: reaches every context", async () => {
  const V1 = avroRecord("G", [{ name: "g", type: "int" }]);
  const V2 = avroRecord("G", [
    { name: "g", type: "int" },
    { name: "h", type: "string" },
  ]);
  await call(r.url, "POST", "/subjects/:.scope:g/versions", { schema: V1 });
  await call(r.url, "POST", "/subjects/scope-g/versions", { schema: V1 });
  assert.equal((await call(r.url, "PUT", "/config", { compatibility: "NONE" })).status, 200);
  assert.deepEqual((await call(r.url, "GET", "/config/:.scope:g?defaultToGlobal=true")).body, {
    compatibilityLevel: "BACKWARD",
  });
  assert.equal((await call(r.url, "POST", "/subjects/:.scope:g/versions", { schema: V2 })).status, 409);
  assert.equal((await call(r.url, "POST", "/subjects/scope-g/versions", { schema: V2 })).status, 200);
  assert.deepEqual((await call(r.url, "PUT", "/config/:.__GLOBAL:", { compatibility: "NONE" })).body, {
    compatibility: "NONE",
  });
  assert.deepEqual((await call(r.url, "GET", "/config/:.scope:g?defaultToGlobal=true")).body, {
    compatibilityLevel: "NONE",
  });
  assert.equal((await call(r.url, "POST", "/subjects/:.scope:g/versions", { schema: V2 })).status, 200);
  // `:.:` is the default context, i.e. the top level.
  assert.deepEqual((await call(r.url, "GET", "/config/:.:")).body, { compatibilityLevel: "NONE" });
  await call(r.url, "DELETE", "/config/:.__GLOBAL:");
  await call(r.url, "DELETE", "/config");
  assert.deepEqual((await call(r.url, "GET", "/config")).body, { compatibilityLevel: "BACKWARD" });

  // Modes likewise; a top-level READONLY_OVERRIDE overrides every mode, a subject's own included.
  await call(r.url, "PUT", "/mode", { mode: "READONLY" });
  assert.equal((await call(r.url, "GET", "/mode/:.scope:g?defaultToGlobal=true")).body.mode, "READWRITE");
  await call(r.url, "PUT", "/mode/scope-g", { mode: "READWRITE" });
  const V3 = avroRecord("G", [{ name: "g", type: "int" }], { doc: "three" });
  assert.equal((await call(r.url, "POST", "/subjects/scope-g/versions", { schema: V3 })).status, 200);
  await call(r.url, "PUT", "/mode", { mode: "READONLY_OVERRIDE" });
  const V4 = avroRecord("G", [{ name: "g", type: "int" }], { doc: "four" });
  const refused = await call(r.url, "POST", "/subjects/scope-g/versions", { schema: V4 });
  assert.deepEqual(
    [refused.status, refused.body],
    [422, { error_code: 42205, message: "Subject scope-g in context  is in read-only mode" }],
  );
  const inCtx = await call(r.url, "POST", "/subjects/:.scope:g/versions", { schema: V4 });
  assert.deepEqual(
    [inCtx.status, inCtx.body.message],
    [422, "Subject :.scope:g in context :.scope: is in read-only mode"],
  );
  // The mode is echoed as sent; DELETE /mode returns the top level to READWRITE.
  assert.deepEqual((await call(r.url, "PUT", "/mode", { mode: "readwrite" })).body, { mode: "readwrite" });
  assert.deepEqual((await call(r.url, "DELETE", "/mode")).body, { mode: "READWRITE" });
  await call(r.url, "DELETE", "/mode/scope-g");
});

it("a context stays listed after its subjects are permanently deleted, across restarts, until DELETE /contexts/{ctx}, refused while a subject remains", async () => {
  const store = new MemoryStore();
  let own = await startRegistry({ port: 0, store });
  try {
    assert.equal((await call(own.url, "POST", "/subjects/:.gone:a/versions", { schema: A })).status, 200);
    assert.equal((await call(own.url, "POST", "/subjects/:.gone:b/versions", { schema: B })).status, 200);
    assert.equal((await call(own.url, "POST", "/subjects/:.kept:a/versions", { schema: A })).status, 200);
    // One CONTEXT record per context, in Confluent's key layout, written with its first subject.
    assert.deepEqual(
      store.records.filter((x) => x.key.keytype === "CONTEXT").map((x) => [keyString(x.key), x.value]),
      [
        [
          '{"keytype":"CONTEXT","tenant":"default","context":".gone","magic":0}',
          { tenant: "default", context: ".gone" },
        ],
        [
          '{"keytype":"CONTEXT","tenant":"default","context":".kept","magic":0}',
          { tenant: "default", context: ".kept" },
        ],
      ],
    );
    for (const s of [":.gone:a", ":.gone:b"]) {
      assert.equal((await call(own.url, "DELETE", `/subjects/${s}`)).status, 200);
      // A soft-deleted subject still holds its context.
      const early = await call(own.url, "DELETE", "/contexts/:.gone:");
      assert.deepEqual(
        [early.status, early.body],
        [422, { error_code: 42211, message: "The specified context ':.gone:' is not empty." }],
      );
      assert.equal((await call(own.url, "DELETE", `/subjects/${s}?permanent=true`)).status, 200);
    }
    assert.deepEqual((await call(own.url, "GET", "/subjects?deleted=true")).body, [":.kept:a"]);
    assert.deepEqual((await call(own.url, "GET", "/contexts")).body, [".", ".gone", ".kept"]);
    assert.deepEqual((await call(own.url, "GET", "/contexts?contextPrefix=.k")).body, [".kept"]);
    await own.close();
    own = await startRegistry({ port: 0, store });
    assert.deepEqual((await call(own.url, "GET", "/contexts")).body, [".", ".gone", ".kept"]);
    const busy = await call(own.url, "DELETE", "/contexts/.kept");
    assert.deepEqual([busy.status, busy.body.error_code], [422, 42211]);
    const done = await call(own.url, "DELETE", "/contexts/.gone");
    assert.deepEqual([done.status, done.body], [204, undefined]);
    assert.deepEqual((await call(own.url, "GET", "/contexts")).body, [".", ".kept"]);
    // Registering in it again records it again.
    assert.equal((await call(own.url, "POST", "/subjects/:.gone:c/versions", { schema: A })).status, 200);
    assert.deepEqual((await call(own.url, "GET", "/contexts")).body, [".", ".gone", ".kept"]);
  } finally {
    await own.close();
  }
});
