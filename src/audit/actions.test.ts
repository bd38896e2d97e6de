// The closed set of audit actions and the one table of docs/audit.md list the same actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUDIT_ACTIONS, isAuditAction } from './actions.js';

/** The first column of the table under "## Actions" in docs/audit.md. */
function documentedActions(): string[] {
  const md = readFileSync(fileURLToPath(new URL('../../docs/audit.md', import.meta.url)), 'utf8');
  const section = md.split(/^## /m).find((s) => s.startsWith('Actions\n'));
  assert.ok(section, 'docs/audit.md has an "## Actions" section');
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.map((l) => {
    const m = /^\| `([^`]+)` \|/.exec(l);
    assert.ok(m, `a table row starting with an action: ${l}`);
    return m[1]!;
  });
}

test('every action in the union is in the docs table, and every action in the table is in the union', () => {
  const documented = documentedActions();
  assert.deepEqual(
    AUDIT_ACTIONS.filter((a) => !documented.includes(a)),
    [],
    'actions missing from docs/audit.md',
  );
  assert.deepEqual(
    documented.filter((a) => !isAuditAction(a)),
    [],
    'documented actions missing from src/audit/actions.ts',
  );
  assert.equal(new Set(documented).size, documented.length, 'each action documented once');
});

test('the actions are sorted and unique, in the code and in the table', () => {
  const sorted = [...AUDIT_ACTIONS].sort();
  assert.deepEqual([...AUDIT_ACTIONS], sorted);
  assert.equal(new Set(AUDIT_ACTIONS).size, AUDIT_ACTIONS.length);
  assert.deepEqual(documentedActions(), sorted);
});
