import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { KafkaClient } from "../src/index.js";

/** A local port nothing listens on: bind an ephemeral port, then release it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function assertUnreachable(address: string): Promise<void> {
  await assert.rejects(KafkaClient.connect({ "bootstrap.servers": address }), (err) => {
    assert.ok(
      isFleuveError(err, "FLEUVE_KAFKA_UNREACHABLE"),
      `expected FLEUVE_KAFKA_UNREACHABLE, got ${err}`,
    );
    assert.ok(err.message.includes(address), `message should name ${address}: ${err.message}`);
    assert.match(err.message, /bootstrap\.servers/);
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.details.bootstrapServers, address);
    return true;
  });
}

// The timeout bounds the test harness, not a performance claim (generous, for a busy machine).
test("broker down at 127.0.0.1:1: FLEUVE_KAFKA_UNREACHABLE naming the address", {
  timeout: 120_000,
}, async () => {
  await assertUnreachable("127.0.0.1:1");
});

test("broker down at an unused port: same error, naming every bootstrap server", {
  timeout: 120_000,
}, async () => {
  const a = await freePort();
  const b = await freePort();
  await assertUnreachable(`127.0.0.1:${a},127.0.0.1:${b}`);
});
