#!/usr/bin/env node
// The `fleuve` command. The code is in ../dist/main.js (built from src/main.ts by `npm run build`).
import { main } from "../dist/main.js";
import { endQuietlyWhenReaderGoes, exitWhenFlushed } from "../dist/process-streams.js";

endQuietlyWhenReaderGoes();
const code = await main(process.argv.slice(2));
// undefined: a job script keeps running on the event loop; the process ends with it. Otherwise
// exit once stdout and stderr are drained: output to a pipe is written asynchronously.
if (code !== undefined) await exitWhenFlushed(code);
