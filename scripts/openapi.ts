// Writes the served OpenAPI document to a file without listening or opening a database:
// `node --import tsx scripts/openapi.ts <out.json>` (npm run lint runs redocly on it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildOpenApiDocument } from '../src/http/openapi-document.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: openapi.ts <out.json>');
  process.exit(2);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(await buildOpenApiDocument(), null, 2) + '\n');
