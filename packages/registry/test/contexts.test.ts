// Contexts as Confluent defines them (schema linking): a subject qualified `:.ctx:name` lives in
// context `.ctx`, schema ids are numbered per context (the same id names different schemas in
// different contexts), `?subject=` picks the context an id is looked up in, `/contexts/{ctx}/...`
// is the same API with its subjects qualified, `:.:name` is the default context's `name`, and
// `/contexts` lists the contexts in use.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { type RunningRegistry, startRegistry } from "../src/index.js";
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
  assert.deepEqual((await call(r.url, "POST", "/subjects/orders/versions", { schema: A })).body, { id: 1 });
  // Another context starts its own ids: B is id 1 there too.
  assert.deepEqual((await call(r.url, "POST", "/subjects/:.eu:orders/versions", { schema: B })).body, {
    id: 1,
  });
  // The same schema in a third context through the context's path: again id 1, its own.
  assert.deepEqual(
    (await call(r.url, "POST", "/contexts/.us/subjects/orders/versions", { schema: A })).body,
    {
      id: 1,
    },
  );
  // In the default context, B is new: id 2 (ids are not shared with .eu).
  assert.deepEqual((await call(r.url, "POST", "/subjects/other/versions", { schema: B })).body, { id: 2 });

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
  assert.deepEqual((await call(r.url, "GET", "/schemas/ids/1/versions?subject=:.us:x")).body, [
    { subject: ":.us:orders", version: 1 },
  ]);

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
