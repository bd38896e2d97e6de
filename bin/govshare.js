#!/usr/bin/env node
// The `govshare` command: the compiled CLI (built into dist/ by `npm install` through the `prepare` script).
import '../dist/cli/bin.js';
