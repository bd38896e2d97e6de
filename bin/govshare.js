#!/usr/bin/env node
// The `govshare` command: runs the compiled CLI in dist/. A clone builds it at `npm install`/`npm ci` (the prepare
// script, when the dev dependencies are there); a packed tarball (`npm pack`) and the container image ship it.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    'govshare: not built (no dist/). In a clone run `npm ci` (with dev dependencies) or `npm run build`; ' +
      'a production install (`npm ci --omit=dev`) needs the dist/ of a build, as `npm pack` and the Dockerfile provide.\n',
  );
  process.exit(1);
}
await import(built.href);
