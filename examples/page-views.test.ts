// A unit test of a job: run the job definition in this thread and check what it returns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runJob } from "@fleuve/core";
import job, { type PageViews } from "./page-views.js";

test("page views are counted per page and minute of event time", async () => {
  const client = await runJob(job);
  const { collected } = await client.result;
  const byPageAndMinute = (collected as PageViews[]).sort(
    (a, b) => a.page.localeCompare(b.page) || a.minute - b.minute,
  );
  assert.deepEqual(byPageAndMinute, [
    { page: "/", minute: 0, views: 3 },
    { page: "/", minute: 1, views: 1 },
    { page: "/cart", minute: 0, views: 1 },
    { page: "/cart", minute: 1, views: 1 },
  ]);
});
