#!/usr/bin/env node
// Entry point of the `govshare` command: runs the compiled CLI (built by `npm install` via `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 1; },
);
