// Avro records through Kafka end to end, every piece on real infrastructure: the registry is a
// `fleuve registry --kafka` process keeping its schemas on a compacted topic of the broker; a
// Fleuve job writes Avro records with the serializer into a Kafka topic (v1, then a compatible v2;
// an incompatible v3 is refused); clients sharing no code with Fleuve read them back (kcat, librdkafka,
// fetches the bytes; @kafkajs/confluent-schema-registry decodes them with the schemas it fetches
// from our registry); and a Fleuve job reads old and new records with one evolved reader schema.
// (Debian's kcat is built without libserdes, so `kcat -s value=avro` is not available: kcat reads
// the bytes and the kafkajs client decodes them.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { KafkaClient, kafkaSink, kafkaSource } from "@fleuve/kafka";
import { SchemaRegistry as KafkaJsRegistry } from "@kafkajs/confluent-schema-registry";
import { readWireHeader, schemaDeserializer, schemaSerializer } from "../../src/index.js";
import { call, waitFor } from "../fixtures/http.js";
import { BOOTSTRAP, kcatValues, uniqueTopic } from "../fixtures/kafka.js";

const BIN = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const V1 = {
  type: "record",
  name: "Payment",
  namespace: "shop",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: "int" },
  ],
};
// Compatible (BACKWARD): the new field has a default, and amount widens from int to double.
const V2 = {
  ...V1,
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: "double" },
    { name: "currency", type: "string", default: "EUR" },
  ],
};
// Incompatible: v2 records cannot be read with amount as an int again.
const V3 = { ...V1, fields: [...V1.fields, { name: "note", type: ["null", "string"], default: null }] };

const schemasTopic = uniqueTopic("schemas-avro");
const dataTopic = uniqueTopic("payments");
let url = "";
let child: ReturnType<typeof spawn>;
let admin: KafkaClient;

before(async () => {
  admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  await admin.createTopics([{ name: dataTopic, partitions: 1 }]);
  child = spawn(
    process.execPath,
    [BIN, "registry", "--port", "0", "--kafka", "--bootstrap", BOOTSTRAP, "--topic", schemasTopic],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  await waitFor(
    "the registry to listen",
    () => /listening on (http:\S+)/.test(out) || child.exitCode !== null,
    180_000,
  );
  url = /listening on (http:\S+)/.exec(out)?.[1] ?? assert.fail(`fleuve registry did not start: ${out}`);
});
after(async () => {
  if (child && child.exitCode === null) {
    const done = new Promise((r) => child.on("exit", r));
    child.kill("SIGTERM");
    await done;
  }
  await admin?.deleteTopics([dataTopic, schemasTopic]).catch(() => {});
  await admin?.close();
});

async function writePayments(schema: object, values: object[]): Promise<number> {
  const ser = await schemaSerializer({ url, subject: `${dataTopic}-value`, schema });
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  env
    .fromElements(...values)
    .map((v) => ser.serialize(v))
    .sinkTo(kafkaSink<Buffer>({ bootstrap: BOOTSTRAP, topic: dataTopic, serializer: "bytes" }), "payments");
  await env.execute("write-payments");
  return ser.id;
}

it("a job writes Avro to Kafka; kcat and the kafkajs client read it back; one evolved reader reads all", {
  timeout: 600_000,
}, async () => {
  const v1 = [
    { id: 1, amount: 250 },
    { id: 2, amount: 999 },
  ];
  const v2 = [{ id: 3, amount: 12.5, currency: "USD" }];
  const id1 = await writePayments(V1, v1);
  const id2 = await writePayments(V2, v2);
  assert.notEqual(id1, id2);
  await assert.rejects(
    schemaSerializer({ url, subject: `${dataTopic}-value`, schema: V3 }),
    (e: Error & { errorCode?: number }) => {
      assert.equal(e.errorCode, 409);
      return true;
    },
  );

  // The registry's truth is in Kafka: its schemas topic holds the two versions.
  const versions = await call(url, "GET", `/subjects/${dataTopic}-value/versions`);
  assert.deepEqual(versions.body, [1, 2]);

  // Independent clients: kcat fetches the bytes, the kafkajs client decodes each with its writer's schema.
  const bytes = kcatValues(dataTopic);
  assert.equal(bytes.length, 3);
  assert.deepEqual(
    bytes.map((b) => readWireHeader(b!).id),
    [id1, id1, id2],
  );
  const kafkajs = new KafkaJsRegistry({ host: url });
  const decoded = [];
  for (const b of bytes) decoded.push({ ...(await kafkajs.decode(b!)) });
  assert.deepEqual(decoded, [...v1, ...v2]);

  // A Fleuve job reads every record with the v2 schema: v1 records get the default currency and
  // their int amounts promoted to double.
  const reader = schemaDeserializer<Record<string, unknown>>({ url, readerSchema: V2 });
  const env = StreamExecutionEnvironment.create({ log: () => {} });
  const read = await env
    .fromSource(
      kafkaSource({
        bootstrap: BOOTSTRAP,
        topics: [dataTopic],
        startingOffsets: "earliest",
        bounded: true,
        deserialize: (r) => ({ ...reader.deserialize(r.value) }),
      }),
      WatermarkStrategy.noWatermarks(),
      "payments",
    )
    .executeAndCollect();
  assert.deepEqual(read, [
    { id: 1, amount: 250, currency: "EUR" },
    { id: 2, amount: 999, currency: "EUR" },
    { id: 3, amount: 12.5, currency: "USD" },
  ]);
});
