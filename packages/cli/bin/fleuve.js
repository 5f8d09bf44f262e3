#!/usr/bin/env node
// The `fleuve` command. The code is in ../dist/main.js (built from src/main.ts by `npm run build`).
import { main } from "../dist/main.js";

const code = await main(process.argv.slice(2));
// undefined: a job script keeps running on the event loop; the process ends with it.
if (code !== undefined) process.exit(code);
