/**
 * The core keyed-state cases (keyedStateCases of @fleuve/core/testing/suites) on the LMDB backend. A tiny
 * cache (2 entries per state) makes nearly every access go through LMDB, so the write-back path is
 * what is tested.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyedStateCases } from "@fleuve/core/testing/suites";
import { lmdbStateBackend } from "../src/index.js";

const workDir = mkdtempSync(join(tmpdir(), "fleuve-lmdb-test-"));
keyedStateCases({ stateBackend: lmdbStateBackend({ dir: workDir, cacheEntries: 2 }), isolationRuns: 60 });
