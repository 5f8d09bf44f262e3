/**
 * `fleuve kafka topics create|list|describe|delete`: topics of an Apache Kafka cluster. Brokers
 * with `auto.create.topics.enable=false` (the development broker) never create a topic on first
 * use, so a job's input and output topics are created with this command first. The embedded log
 * has its own `fleuve topics`.
 */
import { FleuveError } from "@fleuve/core";
import type { KafkaClient } from "@fleuve/kafka";
import { intOption, parseArgs, usageError } from "./args.js";
import type { Io } from "./run-command.js";

/** Usage of `fleuve kafka`. */
export const KAFKA_USAGE = `Usage: fleuve kafka topics create <name> [--partitions N] [--replication-factor R]
                                  [--config key=value ...] [--if-not-exists]
       fleuve kafka topics list
       fleuve kafka topics describe <name>
       fleuve kafka topics delete <name> [--if-exists]

Topics of an Apache Kafka cluster (the embedded log has its own 'fleuve topics'). Kafka brokers
that do not create topics on first use need a job's topics created first.
  --bootstrap HOST:PORT     bootstrap servers (default $FLEUVE_KAFKA_BOOTSTRAP or 127.0.0.1:9092)
  --partitions N            create: partitions (default: the broker's num.partitions); a source
                            runs one reader per partition
  --replication-factor R    create: copies of each partition (default: the broker's
                            default.replication.factor)
  --config key=value        create: a topic config by its Kafka name, e.g. retention.ms=604800000
                            or cleanup.policy=compact; repeat it for several
  --if-not-exists           create: leave an existing topic as it is instead of failing
  --if-exists               delete: succeed when the topic does not exist`;

const SPEC = {
  bootstrap: "string",
  partitions: "number",
  "replication-factor": "number",
  "if-not-exists": "flag",
  "if-exists": "flag",
  help: "flag",
} as const;

/** How long `delete` waits for the broker's metadata to drop the topic. */
const DELETE_VISIBLE_MS = 30_000;

/** Takes every `--config key=value` (or `--config=key=value`) out of `argv`: the option repeats. */
function takeConfigs(argv: readonly string[]): { rest: string[]; config: Record<string, string> } {
  const rest: string[] = [];
  const config: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    let pair: string | undefined;
    if (a === "--config") {
      pair = argv[++i];
      if (pair === undefined || pair.startsWith("--")) {
        throw usageError("option '--config' needs a value key=value", "kafka");
      }
    } else if (a.startsWith("--config=")) pair = a.slice("--config=".length);
    else {
      rest.push(a);
      continue;
    }
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usageError(`option '--config' needs key=value, got '${pair}'`, "kafka");
    config[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { rest, config };
}

/** Runs `fleuve kafka ...` (argv without `kafka`); resolves to the exit code. */
export async function kafkaCommand(argv: readonly string[], io: Io): Promise<number> {
  const { rest, config } = takeConfigs(argv);
  const p = parseArgs(rest, SPEC, "kafka");
  const [group, action, name, extra] = p.positional;
  if (p.options.help || group === undefined) {
    io.stdout.write(`${KAFKA_USAGE}\n`);
    return 0;
  }
  if (group !== "topics")
    throw usageError(`unknown 'fleuve kafka' command '${group}' (commands: topics)`, "kafka");
  const actions = ["create", "list", "describe", "delete"];
  if (action === undefined || !actions.includes(action)) {
    throw usageError(
      `'fleuve kafka topics' needs one of ${actions.join(", ")}${action === undefined ? "" : `, got '${action}'`}`,
      "kafka",
    );
  }
  if (action === "list" ? name !== undefined : name === undefined || extra !== undefined) {
    throw usageError(
      action === "list"
        ? "'fleuve kafka topics list' takes no topic name"
        : `'fleuve kafka topics ${action}' takes one topic name`,
      "kafka",
    );
  }
  const partitions = intOption(p, "partitions", 1, "kafka");
  const replicationFactor = intOption(p, "replication-factor", 1, "kafka");
  const only = (option: string, where: string) => {
    if (p.options[option] !== undefined && action !== where) {
      throw usageError(`option '--${option}' applies to 'fleuve kafka topics ${where}' only`, "kafka");
    }
  };
  for (const o of ["partitions", "replication-factor", "if-not-exists"]) only(o, "create");
  if (Object.keys(config).length > 0 && action !== "create") {
    throw usageError("option '--config' applies to 'fleuve kafka topics create' only", "kafka");
  }
  only("if-exists", "delete");
  const bootstrap =
    (p.options.bootstrap as string | undefined) ?? process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";

  const { KafkaClient } = await import("@fleuve/kafka");
  const client = await KafkaClient.connect({ "bootstrap.servers": bootstrap });
  try {
    switch (action) {
      case "list":
        for (const t of await client.listTopics()) io.stdout.write(`${t}\n`);
        return 0;
      case "create":
        if (p.options["if-not-exists"] && (await client.listTopics()).includes(name!)) {
          io.stdout.write(`topic ${name} exists already (left as it is)\n`);
          return 0;
        }
        try {
          await client.createTopics(
            [
              {
                name: name!,
                ...(partitions === undefined ? {} : { partitions }),
                ...(replicationFactor === undefined ? {} : { replicationFactor }),
                config,
              },
            ],
            { ifNotExists: p.options["if-not-exists"] === true },
          );
        } catch (e) {
          // The admin helper words this for programs ({ ifNotExists: true }); say the option here.
          if (e instanceof FleuveError && e.details.topic === name && /already exists/.test(e.message)) {
            throw new FleuveError(
              "FLEUVE_CONFIG_INVALID",
              `Kafka topic "${name}" already exists at ${bootstrap}: pass --if-not-exists to leave it as it is, or delete it first`,
              { cause: e, details: { topic: name } },
            );
          }
          if (e instanceof FleuveError) throw e;
          // The broker's own reason (e.g. "Unknown topic config name: retention.mss") is nested.
          throw new FleuveError(
            "FLEUVE_CONFIG_INVALID",
            `cannot create Kafka topic "${name}": ${brokerReason(e) ?? (e as Error).message}`,
            { cause: e, details: { topic: name } },
          );
        }
        {
          // What the broker made (its defaults unless the options were given), not what was asked.
          const made = await client.describeTopic(name!);
          const count = made?.partitions.length ?? 0;
          const rf = made?.partitions[0]?.replicas.length ?? 0;
          io.stdout.write(
            `created topic ${name} (${count} partition${count === 1 ? "" : "s"}, replication factor ${rf})\n`,
          );
        }
        return 0;
      case "describe": {
        const d = await client.describeTopic(name!);
        if (!d) throw notFound(name!, bootstrap);
        const configs = Object.entries(d.config)
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        io.stdout.write(
          `Topic: ${d.name}\tTopicId: ${d.id}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${d.partitions[0]?.replicas.length ?? 0}\tConfigs: ${configs}\n`,
        );
        for (const part of d.partitions) {
          io.stdout.write(
            `\tTopic: ${d.name}\tPartition: ${part.partition}\tLeader: ${part.leader}\tReplicas: ${part.replicas.join(",")}\tIsr: ${part.isr.join(",")}\n`,
          );
        }
        return 0;
      }
      case "delete":
        if (!(await client.listTopics()).includes(name!)) {
          if (p.options["if-exists"]) return 0;
          throw notFound(name!, bootstrap);
        }
        await client.deleteTopics([name!]);
        await waitGone(client, name!);
        io.stdout.write(`deleted topic ${name}\n`);
        return 0;
    }
    return 0;
  } finally {
    await client.close().catch(() => {});
  }
}

/** The broker's error message inside a client error, if it carries one. */
function brokerReason(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || err === null || typeof err !== "object") return undefined;
  const e = err as {
    response?: { topics?: { errorMessage?: string | null }[] };
    serverErrorMessage?: string | null;
    errors?: unknown[];
  };
  const fromResponse = e.response?.topics?.find((t) => t.errorMessage)?.errorMessage;
  if (fromResponse) return fromResponse;
  if (e.serverErrorMessage) return e.serverErrorMessage;
  for (const n of e.errors ?? []) {
    const r = brokerReason(n, depth + 1);
    if (r) return r;
  }
  return undefined;
}

function notFound(name: string, bootstrap: string): FleuveError {
  return new FleuveError(
    "FLEUVE_KAFKA_TOPIC_NOT_FOUND",
    `Kafka topic "${name}" does not exist at ${bootstrap} ('fleuve kafka topics list' shows the topics)`,
    { details: { topic: name, topics: [name], bootstrapServers: bootstrap } },
  );
}

/**
 * Waits until the topic list no longer has `name`: a KRaft controller acknowledges a deletion
 * before the brokers apply it, and a `list` or a create of the same name right after must not
 * still see it. Throws FLEUVE_KAFKA_TIMEOUT after `timeoutMs` (the broker answers, so it is not
 * unreachable).
 */
export async function waitGone(
  client: Pick<KafkaClient, "listTopics">,
  name: string,
  timeoutMs = DELETE_VISIBLE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while ((await client.listTopics()).includes(name)) {
    if (Date.now() > deadline) {
      throw new FleuveError(
        "FLEUVE_KAFKA_TIMEOUT",
        `Kafka topic "${name}": the broker accepted its deletion but still lists it after ${timeoutMs} ms; ` +
          "'fleuve kafka topics list' shows when it is gone",
        { details: { topic: name } },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}
