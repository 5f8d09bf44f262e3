// JSON Schema references, as Confluent's JsonSchema resolves them: each referenced schema is known
// to the validator under its reference name as URI, so `{"$ref": "address.json"}` resolves to the
// schema registered under subject `address`. A schema with such a reference registers over HTTP,
// serializes and deserializes records (ours and @confluentinc/schemaregistry's JsonSerializer,
// byte for byte), and compatibility follows the reference: a change inside the referenced schema
// decides whether the referencing one is compatible.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  JsonDeserializer,
  JsonSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { jsonReadIssues } from "../src/compat/json-schema.js";
import {
  parseSchema,
  type RunningRegistry,
  readIssues,
  SchemaValidationError,
  schemaCodec,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../src/index.js";
import { call } from "./fixtures/http.js";

const ADDRESS_V1 = {
  type: "object",
  properties: { street: { type: "string" }, zip: { type: "string" } },
  required: ["street"],
};
/** v1 with `zip` required too: a reader with it rejects v1's documents without a zip. */
const ADDRESS_V2 = { ...ADDRESS_V1, required: ["street", "zip"] };
/** v1 with nothing required: a reader with it accepts all of v1's documents (and more). */
const ADDRESS_V3 = { ...ADDRESS_V1, required: [] };
const CUSTOMER = {
  type: "object",
  properties: { name: { type: "string" }, address: { $ref: "address.json" } },
  required: ["name", "address"],
};

describe("JSON Schema references", () => {
  let r: RunningRegistry;
  const api = (method: string, path: string, body?: unknown) => call(r.url, method, path, body);
  before(async () => {
    r = await startRegistry({ port: 0 });
  });
  after(() => r.close());

  it("a schema referencing another registers over HTTP and its records round-trip", async () => {
    const a = await api("POST", "/subjects/address/versions", {
      schemaType: "JSON",
      schema: JSON.stringify(ADDRESS_V1),
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const c = await api("POST", "/subjects/customer-value/versions", {
      schemaType: "JSON",
      schema: JSON.stringify(CUSTOMER),
      references: [{ name: "address.json", subject: "address", version: 1 }],
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const byId = await api("GET", `/schemas/ids/${c.body.id}`);
    assert.deepEqual(byId.body.references, [{ name: "address.json", subject: "address", version: 1 }]);

    const ser = await schemaSerializer({ url: r.url, subject: "customer-value" });
    assert.equal(ser.id, c.body.id);
    const value = { name: "ada", address: { street: "1 Main St", zip: "02139" } };
    const bytes = ser.serialize(value);
    assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(bytes), value);

    // The referenced schema's rules apply inside the referencing one.
    assert.throws(
      () => ser.serialize({ name: "ada", address: { zip: "02139" } }),
      (e: unknown) =>
        e instanceof SchemaValidationError &&
        /\/address must have required property 'street'/.test(e.message) &&
        e.schemaId === ser.id,
    );
    assert.throws(
      () => ser.serialize({ name: "ada", address: { street: "x", zip: 2139 } }),
      /\/address\/zip must be string/,
    );
    // A codec from the schema's text and resolved references checks what it decodes.
    const codec = schemaCodec(
      {
        schema: JSON.stringify(CUSTOMER),
        schemaType: "JSON",
        resolved: [{ name: "address.json", schema: JSON.stringify(ADDRESS_V1) }],
      },
      ser.id,
    );
    assert.deepEqual(codec.decode(bytes.subarray(5)), value);
    assert.throws(
      () => codec.decode(Buffer.from(JSON.stringify({ name: "ada", address: {} }))),
      /\/address must have required property 'street'/,
    );
  });

  it("@confluentinc/schemaregistry's JsonSerializer writes our bytes and reads ours", async () => {
    const client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
    try {
      const ours = await schemaSerializer({ url: r.url, subject: "customer-value" });
      const theirs = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
      const value = { name: "bob", address: { street: "2 Side St" } };
      const theirBytes = await theirs.serialize("customer", value);
      assert.deepEqual(theirBytes, ours.serialize(value));
      // Validating, their serializer applies the referenced schema's rules too.
      const validating = new JsonSerializer(client, SerdeType.VALUE, {
        useLatestVersion: true,
        validate: true,
      });
      assert.deepEqual(await validating.serialize("customer", value), theirBytes);
      await assert.rejects(
        validating.serialize("customer", { name: "bob", address: { zip: "1" } }),
        /street/,
      );
      const theirReader = new JsonDeserializer(client, SerdeType.VALUE, { validate: true });
      assert.deepEqual(await theirReader.deserialize("customer", ours.serialize(value)), value);
      assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(theirBytes), value);
    } finally {
      await client.close();
    }
  });

  it("compatibility follows the reference into the referenced schema", async () => {
    // A new address version is checked against the address subject first: under its default
    // BACKWARD, requiring `zip` is refused there (docs/schemas.md says so).
    const first = await api("POST", "/subjects/address/versions", {
      schemaType: "JSON",
      schema: JSON.stringify(ADDRESS_V2),
    });
    assert.equal(first.status, 409, JSON.stringify(first.body));
    // The address subject itself accepts any change, so the referencing subject's rules decide.
    assert.equal((await api("PUT", "/config/address", { compatibility: "NONE" })).status, 200);
    assert.equal(
      (
        await api("POST", "/subjects/address/versions", {
          schemaType: "JSON",
          schema: JSON.stringify(ADDRESS_V2),
        })
      ).body.id > 0,
      true,
    );
    const withAddress = (version: number) => ({
      schemaType: "JSON",
      schema: JSON.stringify(CUSTOMER),
      references: [{ name: "address.json", subject: "address", version }],
    });
    // BACKWARD (the default): a reader requiring the zip cannot read old customers without one.
    const t = await api(
      "POST",
      "/compatibility/subjects/customer-value/versions/latest?verbose=true",
      withAddress(2),
    );
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.is_compatible, false);
    assert.ok(
      t.body.messages.some((m: string) =>
        m.includes("#/properties/address/required: required property 'zip' added"),
      ),
      JSON.stringify(t.body.messages),
    );
    const refused = await api("POST", "/subjects/customer-value/versions", withAddress(2));
    assert.equal(refused.status, 409, JSON.stringify(refused.body));

    // Dropping `street` from required loosens the reader: BACKWARD compatible, FORWARD not.
    await api("POST", "/subjects/address/versions", {
      schemaType: "JSON",
      schema: JSON.stringify(ADDRESS_V3),
    });
    const ok = await api("POST", "/compatibility/subjects/customer-value/versions/latest", withAddress(3));
    assert.deepEqual(ok.body, { is_compatible: true });
    assert.equal((await api("PUT", "/config/customer-value", { compatibility: "FORWARD" })).status, 200);
    const fwd = await api(
      "POST",
      "/compatibility/subjects/customer-value/versions/latest?verbose=true",
      withAddress(3),
    );
    assert.equal(fwd.body.is_compatible, false);
    assert.ok(
      fwd.body.messages.some((m: string) => m.includes("required property 'street' added")),
      JSON.stringify(fwd.body.messages),
    );
  });

  it("readIssues resolves name#/pointer refs, and internal refs inside the referenced schema", () => {
    const defs = (zip: object) =>
      JSON.stringify({
        definitions: {
          zip: zip,
          addr: { type: "object", properties: { zip: { $ref: "#/definitions/zip" } } },
        },
      });
    const root = JSON.stringify({
      type: "object",
      properties: { a: { $ref: "defs.json#/definitions/addr" } },
    });
    const parse = (zip: object) => parseSchema("JSON", root, [{ name: "defs.json", schema: defs(zip) }]);
    const loose = parse({ type: "string" });
    const strict = parse({ type: "string", maxLength: 5 });
    assert.deepEqual(readIssues(loose, strict), []);
    assert.deepEqual(readIssues(strict, loose), ["#/properties/a/properties/zip: maxLength added (5)"]);
    // Without the referenced texts the refs stay opaque and the difference goes unseen.
    assert.deepEqual(jsonReadIssues(JSON.parse(root), JSON.parse(root)), []);
    // A reference whose text is not JSON is refused, naming it.
    assert.throws(
      () => parseSchema("JSON", root, [{ name: "defs.json", schema: "{" }]),
      /Invalid reference defs\.json/,
    );
  });

  it("a JSON schema no serializer could compile is refused with 42201, as Confluent refuses it", async () => {
    const register = (subject: string, schema: unknown, references?: unknown) =>
      api("POST", `/subjects/${subject}/versions`, {
        schemaType: "JSON",
        schema: JSON.stringify(schema),
        ...(references ? { references } : {}),
      });
    for (const [schema, why] of [
      [{ $ref: "nowhere.json" }, /can't resolve reference nowhere\.json/],
      [
        { properties: { a: { $ref: "#/definitions/missing" } } },
        /can't resolve reference #\/definitions\/missing/,
      ],
      [{ properties: { a: { type: "strin" } } }, /schema is invalid: data\/properties\/a\/type/],
      [{ type: "string", minLength: "x" }, /data\/minLength must be integer/],
    ] as const) {
      const res = await register("broken", schema);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error_code, 42201);
      assert.match(res.body.message, why);
    }
    // No id was given to any of them.
    assert.equal((await api("GET", "/subjects/broken/versions")).status, 404);
  });

  it("schemas of drafts 06, 2019-09 and 2020-12 (by their $schema) register and serialize", async () => {
    for (const [subject, $schema] of [
      ["d06", "http://json-schema.org/draft-06/schema#"],
      ["d2019", "https://json-schema.org/draft/2019-09/schema"],
      ["d2020", "https://json-schema.org/draft/2020-12/schema"],
    ]) {
      const schema = {
        $schema,
        type: "object",
        properties: { n: { $ref: "#/$defs/small" } },
        $defs: { small: { type: "integer", maximum: 9 } },
      };
      const ser = await schemaSerializer({ url: r.url, subject, schema, schemaType: "JSON" });
      const bytes = ser.serialize({ n: 3 });
      assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(bytes), { n: 3 });
      assert.throws(() => ser.serialize({ n: 10 }), /\/n must be <= 9/);
    }
  });
});
