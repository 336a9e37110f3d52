#!/usr/bin/env node
// The `activity-cdp` command: the esbuild bundle made at install (build/), or tsc's output in a
// checkout where only `tsc -b` has run.
import fs from 'node:fs';

const bundled = new URL('../build/cli/main.js', import.meta.url);
if (process.env.ACTIVITY_CDP_START_TRACE === '1') process.stderr.write(`start-trace main ${(process.uptime() * 1000).toFixed(1)} bin\n`);
await import(fs.existsSync(bundled) ? bundled.href : '../dist/src/cli/main.js');
