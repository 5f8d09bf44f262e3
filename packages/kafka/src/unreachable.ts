/**
 * Turns "no broker answers" into one clear FleuveError naming the address, instead of the client's
 * nested MultipleErrors / retry noise, and checks it before any job starts.
 */
import { FleuveError } from "@fleuve/core";
import { Admin } from "@platformatic/kafka";

/** Probe time limit: long enough for a loaded CI runner, short enough to fail fast on a typo. */
const PROBE_TIMEOUT_MS = 5000;

/** Collects the network-level causes (ECONNREFUSED, timeouts...) buried in the client's error tree. */
function rootCauses(err: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || err === null || typeof err !== "object") return out;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const nested = Array.isArray(e.errors) ? e.errors : [];
  if (nested.length === 0 && e.cause === undefined) {
    out.push(typeof e.code === "string" ? `${e.code}: ${String(e.message)}` : String(e.message));
  }
  for (const n of nested) rootCauses(n, out, depth + 1);
  if (e.cause !== undefined) rootCauses(e.cause, out, depth + 1);
  return out;
}

/** The error every entry point throws when the brokers at `bootstrapServers` do not answer. */
export function unreachableError(bootstrapServers: readonly string[], cause: unknown): FleuveError {
  const causes = [...new Set(rootCauses(cause))].slice(0, 3).join("; ");
  const address = bootstrapServers.join(",");
  return new FleuveError(
    "FLEUVE_KAFKA_UNREACHABLE",
    `No Kafka broker answered at ${address} (bootstrap.servers)${causes ? `: ${causes}` : ""}. ` +
      `Check "bootstrap.servers", or start the development broker with \`npm run services:up\`.`,
    { cause, details: { bootstrapServers: address } },
  );
}

/**
 * Resolves when a broker at `bootstrapServers` answers a metadata request; otherwise throws
 * FLEUVE_KAFKA_UNREACHABLE within about {@link PROBE_TIMEOUT_MS}.
 */
export async function ensureReachable(bootstrapServers: readonly string[], clientId: string): Promise<void> {
  const admin = new Admin({
    clientId,
    bootstrapBrokers: [...bootstrapServers],
    retries: 0,
    connectTimeout: PROBE_TIMEOUT_MS,
    timeout: PROBE_TIMEOUT_MS,
  });
  try {
    await admin.metadata({ topics: [] });
  } catch (err) {
    throw unreachableError(bootstrapServers, err);
  } finally {
    await admin.close().catch(() => {});
  }
}
