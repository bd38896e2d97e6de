// `prepare` (npm install / npm ci in a clone): builds dist/ when TypeScript is installed. A production install
// (`npm ci --omit=dev`) has no TypeScript and skips the build: it runs the dist/ that came with it (see README).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.log('govshare: TypeScript is not installed (production install): not building, dist/ is used as shipped');
  process.exit(0);
}
const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(res.status ?? 1);
