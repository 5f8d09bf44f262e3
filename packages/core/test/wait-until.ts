/** Waiting for a condition in tests: polling, never a fixed sleep that an assertion relies on. */
import assert from "node:assert/strict";

/** Waits until `condition` holds, polling every 10 ms; fails naming `what` after 3 minutes. */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
