/**
 * Bad input and bad configuration: failing user functions fail the job with a message naming the
 * operator and the record; invalid configuration fails before the job runs, with the right code.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ErrorCode,
  FleuveError,
  isFleuveError,
  type ProcessFunction,
  StreamExecutionEnvironment,
  valueState,
} from "../../src/index.js";

/** Asserts a FleuveError with `code` whose message contains every one of `parts`. */
function fleuve(code: ErrorCode, ...parts: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof FleuveError, `expected a FleuveError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `message "${e.message}" should mention ${p}`);
    return true;
  };
}

test("a throwing map fails the job with FLEUVE_USER_FUNCTION_FAILED naming operator and record", {
  timeout: 60_000,
}, async () => {
  for (const parallelism of [1, 3]) {
    const env = StreamExecutionEnvironment.create({ parallelism });
    env
      .fromCollection([{ id: 1 }, { id: 2 }, { id: 13 }, { id: 4 }])
      .map((r) => {
        if (r.id === 13) throw new Error("unlucky id");
        return r;
      })
      .name("CheckIds")
      .forEach(() => {});
    await assert.rejects(env.execute(), (e) => {
      fleuve("FLEUVE_USER_FUNCTION_FAILED", "CheckIds", '{"id":13}', "unlucky id")(e);
      assert.ok((e as FleuveError).cause instanceof Error, "the user's error is the cause");
      assert.deepEqual((e as FleuveError).details.record, { id: 13 });
      return true;
    });
  }
});

test("a throwing keyed process function and onTimer fail the job the same way", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromElements("a", "b", "boom")
    .keyBy((s) => s)
    .process<string>({
      processElement(v, ctx) {
        ctx.timerService().registerEventTimeTimer(v.length);
      },
      onTimer(t) {
        if (t === 4) throw new Error("timer failed");
      },
    })
    .name("Timers")
    .forEach(() => {});
  await assert.rejects(
    env.execute(),
    fleuve("FLEUVE_USER_FUNCTION_FAILED", "Timers", "timer failed", "boom"),
  );
});

test("invalid parallelism fails at build time with FLEUVE_PARALLELISM_INVALID", () => {
  assert.throws(
    () => StreamExecutionEnvironment.create({ parallelism: -1 }),
    fleuve("FLEUVE_PARALLELISM_INVALID", "-1"),
  );
  assert.throws(
    () => StreamExecutionEnvironment.create({ parallelism: 1.5 }),
    fleuve("FLEUVE_PARALLELISM_INVALID"),
  );
  assert.throws(
    () => StreamExecutionEnvironment.create({ parallelism: 8, maxParallelism: 4 }),
    fleuve("FLEUVE_PARALLELISM_INVALID", "exceeds max parallelism 4"),
  );
  const env = StreamExecutionEnvironment.create({ maxParallelism: 16 });
  const s = env.fromElements(1, 2).map((x) => x);
  assert.throws(() => s.setParallelism(0), fleuve("FLEUVE_PARALLELISM_INVALID", "Map"));
  assert.throws(
    () => s.setParallelism(17),
    fleuve("FLEUVE_PARALLELISM_INVALID", "exceeds max parallelism 16"),
  );
  assert.throws(() => env.setParallelism(-3), fleuve("FLEUVE_PARALLELISM_INVALID"));
});

test("keyBy with a non-function or an empty field name fails with FLEUVE_KEY_INVALID", () => {
  const env = StreamExecutionEnvironment.create();
  const s = env.fromElements({ a: 1 });
  assert.throws(() => s.keyBy(42 as never), fleuve("FLEUVE_KEY_INVALID", "42"));
  assert.throws(() => s.keyBy("" as never), fleuve("FLEUVE_KEY_INVALID", "empty"));
});

test("a forward edge between different parallelisms fails at build time with FLEUVE_GRAPH_INVALID", () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromElements(1, 2, 3)
    .map((x) => x)
    .name("Up")
    .forward()
    .map((x) => x)
    .name("Down")
    .setParallelism(3)
    .forEach(() => {});
  assert.throws(() => env.getStreamGraph(), fleuve("FLEUVE_GRAPH_INVALID", "Up", "Down", "forward"));
  assert.throws(() => env.execute(), fleuve("FLEUVE_GRAPH_INVALID"));
});

test("a key selector returning an object fails with FLEUVE_KEY_INVALID naming the record", {
  timeout: 60_000,
}, async () => {
  for (const parallelism of [1, 2]) {
    const env = StreamExecutionEnvironment.create({ parallelism });
    env
      .fromCollection([{ user: { id: 7 }, n: 1 }])
      .keyBy((r) => r.user as never)
      .process<number>({ processElement: (r, _c, out) => out.collect(r.n) })
      .forEach(() => {});
    await assert.rejects(env.execute(), fleuve("FLEUVE_KEY_INVALID", '{"id":7}', '"n":1'));
  }
  const env = StreamExecutionEnvironment.create();
  env
    .fromElements(1, 2)
    .keyBy(() => Number.NaN)
    .reduce((a, b) => a + b)
    .forEach(() => {});
  await assert.rejects(env.execute(), fleuve("FLEUVE_KEY_INVALID", "NaN"));
});

test("keyed state or timers on a non-keyed stream fail with FLEUVE_STATE_INVALID / FLEUVE_TIMER_INVALID", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create();
  const usesState: ProcessFunction<number, number> = {
    open(ctx) {
      ctx.getState(valueState<number>("count"));
    },
    processElement: (v, _c, out) => out.collect(v),
  };
  env
    .fromElements(1)
    .process(usesState)
    .name("Counter")
    .forEach(() => {});
  await assert.rejects(env.execute(), fleuve("FLEUVE_STATE_INVALID", "Counter", "count", "keyBy"));

  const env2 = StreamExecutionEnvironment.create();
  env2
    .fromElements(1)
    .process<number>({
      processElement(v, ctx) {
        ctx.timerService().registerEventTimeTimer(v);
      },
    })
    .name("Timer")
    .forEach(() => {});
  await assert.rejects(
    env2.execute(),
    (e) => isFleuveError(e, "FLEUVE_TIMER_INVALID") && e.message.includes("Timer"),
  );
});

test("invalid options name the option", () => {
  assert.throws(
    () => StreamExecutionEnvironment.create({ batchSize: 0 }),
    fleuve("FLEUVE_CONFIG_INVALID", "batchSize"),
  );
  const env = StreamExecutionEnvironment.create();
  assert.throws(
    () => env.fromCollection([1, 2], { timestamps: [1] }),
    fleuve("FLEUVE_CONFIG_INVALID", "timestamps"),
  );
  assert.throws(() => env.fromElements(1).map(5 as never), fleuve("FLEUVE_GRAPH_INVALID", "map"));
  assert.throws(() => valueState(""), fleuve("FLEUVE_STATE_INVALID", "name"));
});

test("connecting a keyed stream with a non-keyed one fails with FLEUVE_KEY_INVALID (a broadcast side is fine)", () => {
  const env = StreamExecutionEnvironment.create();
  env
    .fromElements(1, 2)
    .keyBy((x) => x)
    .connect(env.fromElements("a"))
    .process<number>({ processElement1: () => {}, processElement2: () => {} }, "Half")
    .forEach(() => {});
  assert.throws(() => env.getStreamGraph(), fleuve("FLEUVE_KEY_INVALID", "Half", "keyBy"));
});

test("a throwing key selector fails with FLEUVE_USER_FUNCTION_FAILED naming the record (not the source)", {
  timeout: 60_000,
}, async () => {
  for (const parallelism of [1, 2]) {
    for (const mapFirst of [false, true]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      let s = env.fromCollection<{ a?: number }>([{ a: 1 }, { a: 2 }, {}]);
      if (mapFirst) s = s.map((x) => x).name("Before");
      s.keyBy((r) => {
        if (r.a === undefined) throw new Error("no field a");
        return r.a;
      })
        .process<number>({ processElement: (r, _c, out) => out.collect(r.a!) })
        .name("ByA")
        .forEach(() => {});
      await assert.rejects(
        env.execute(),
        fleuve("FLEUVE_USER_FUNCTION_FAILED", "key selector", "{}", "no field a"),
        `parallelism ${parallelism}, map first: ${mapFirst}`,
      );
    }
  }
});

test("a bad key into a two-input operator fails the job at parallelism 1 too (the exchange does not compute it there)", {
  timeout: 60_000,
}, async () => {
  // At parallelism 1 a hash edge into a task's keyed head skips the key (one subtask takes every
  // key group): the receiver, setting its current key from the same selector, reports it.
  for (const parallelism of [1, 2]) {
    for (const bad of ["throws", "NaN"] as const) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const left = env.fromCollection<{ a?: number }>([{ a: 1 }, {}]).keyBy((r) => {
        if (r.a === undefined) {
          if (bad === "throws") throw new Error("no field a");
          return Number.NaN;
        }
        return r.a;
      });
      const right = env.fromElements({ a: 1 }).keyBy((r) => r.a);
      left
        .connect(right)
        .process<number>(
          { processElement1: (r, _c, out) => out.collect(r.a!), processElement2: () => {} },
          "Both",
        )
        .forEach(() => {});
      await assert.rejects(
        env.execute(),
        bad === "throws"
          ? fleuve("FLEUVE_USER_FUNCTION_FAILED", "key selector", "{}", "no field a")
          : fleuve("FLEUVE_KEY_INVALID", "NaN", "{}"),
        `parallelism ${parallelism}, ${bad}`,
      );
    }
  }
});
