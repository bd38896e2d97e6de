// govshare's local ESLint rules. `sql-table-owner` finds SQL in string and template literals that touches a table
// outside the folder that owns it. Two instances are configured in eslint.config.js:
//
// - `govshare/records-door`: any SQL that reads or writes `records` (FROM/JOIN/INTO/UPDATE/DELETE FROM/COPY/
//   TRUNCATE records) outside src/records/, the one door for records;
// - `govshare/ledger-writes`: INSERT/UPDATE/DELETE/COPY/TRUNCATE on the ledger tables (audit_entries, audit_nodes,
//   audit_subjects, audit_tree_heads) outside src/audit/ (reads are not restricted: verification reads them).
//
// Table names are matched as whole identifiers (optionally schema-qualified or double-quoted), so `records_x`,
// `x.records_y` or `records.id` do not trip it. Prose does not either: a lower-case keyword pair such as "from
// records" counts only when the literal also has other SQL in it (SELECT, WHERE, SET, VALUES, ...); upper-case
// keywords count on their own (the codebase writes SQL keywords in upper case). Comments inside the SQL are read
// as white space; `TABLE records` and a table further down a FROM list count too. What a literal cannot show (a
// table name built from variables or joined from pieces with `+`) is beyond a lint rule: review catches those.
import path from 'node:path';

const SQL_HINT =
  /\b(?:select|insert|update|delete|where|set|values|returning|limit|order\s+by|group\s+by|on\s+conflict)\b/i;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Regexes for the reads and writes of `tables`: [keyword pair, access]. */
function patterns(tables) {
  const name = `(?:(?:"?[A-Za-z_][A-Za-z0-9_]*"?)\\.)?"?(?:${tables.map(escape).join('|')})"?(?![A-Za-z0-9_$."])`;
  return [
    { re: new RegExp(`\\bDELETE\\s+FROM\\s+(?:ONLY\\s+)?${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\bINSERT\\s+INTO\\s+${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\bINTO\\s+${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\bUPDATE\\s+(?:ONLY\\s+)?${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\bCOPY\\s+${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\bTRUNCATE\\s+(?:TABLE\\s+)?(?:ONLY\\s+)?${name}`, 'gi'), access: 'write' },
    { re: new RegExp(`\\b(?:FROM|JOIN)\\s+(?:ONLY\\s+)?${name}`, 'gi'), access: 'read' },
    { re: new RegExp(`\\bTABLE\\s+(?:ONLY\\s+)?${name}`, 'gi'), access: 'read' },
    // A table further down a FROM list (`FROM datasets d, records r`): counted in SQL text only (no keyword case).
    { re: new RegExp(`,\\s*(?:ONLY\\s+)?${name}`, 'gi'), access: 'read', listed: true },
  ];
}

/** The accesses (read/write) a piece of SQL text makes to the tables. */
export function sqlAccesses(sql, tables) {
  const found = [];
  // Comments are white space to SQL (`FROM/**/records`, `FROM -- x\n records`): to this rule too.
  const text = sql
    .replace(/\/\*[\s\S]*?\*\//g, (c) => ' '.repeat(c.length))
    .replace(/--[^\n]*/g, (c) => ' '.repeat(c.length));
  const hinted = SQL_HINT.test(text);
  for (const { re, access, listed } of patterns(tables)) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (listed && !(hinted && /\bFROM\b/i.test(text.slice(0, m.index)))) continue;
      const keyword = listed ? 'FROM' : m[0].match(/^[A-Za-z]+/)[0];
      const upper = keyword === keyword.toUpperCase();
      if (!upper && !hinted) continue;
      // "DELETE FROM x" and "TRUNCATE TABLE x" are writes, not also reads; "INSERT INTO" is found by both INTO patterns once.
      if (access === 'read' && /\b(?:DELETE|TRUNCATE)\s+$/i.test(text.slice(0, m.index))) continue;
      if (!found.some((f) => f.index === m.index || (f.access === access && f.end === m.index + m[0].length)))
        found.push({ access, index: m.index, end: m.index + m[0].length, text: m[0] });
    }
  }
  return found;
}

const toPosix = (p) => p.split(path.sep).join('/');

/** @type {import('eslint').Rule.RuleModule} */
const sqlTableOwner = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL on a table only inside the folder that owns it' },
    schema: [
      {
        type: 'object',
        properties: {
          tables: { type: 'array', items: { type: 'string' }, minItems: 1 },
          owner: { type: 'string' },
          access: { enum: ['any', 'write'] },
          message: { type: 'string' },
        },
        required: ['tables', 'owner'],
        additionalProperties: false,
      },
    ],
    messages: {
      foreign: '{{what}} `{{sql}}` outside {{owner}}: {{message}}',
    },
  },
  create(context) {
    const opts = context.options[0];
    const owner = opts.owner.endsWith('/') ? opts.owner : `${opts.owner}/`;
    const rel = toPosix(path.relative(context.cwd, context.filename));
    if (rel.startsWith(owner)) return {};
    const checked = opts.access === 'write' ? ['write'] : ['read', 'write'];
    const check = (node, text) => {
      for (const a of sqlAccesses(text, opts.tables)) {
        if (!checked.includes(a.access)) continue;
        context.report({
          node,
          messageId: 'foreign',
          data: {
            what: a.access === 'write' ? 'SQL writing' : 'SQL reading',
            sql: a.text.replace(/\s+/g, ' '),
            owner,
            message: opts.message ?? `only ${owner} runs SQL on ${opts.tables.join(', ')}`,
          },
        });
      }
    };
    return {
      Literal(node) {
        if (typeof node.value === 'string') check(node, node.value);
      },
      TemplateLiteral(node) {
        // The literal parts, an interpolation standing for an identifier or value.
        check(node, node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' $x '));
      },
    };
  },
};

export default {
  meta: { name: 'govshare' },
  rules: { 'records-door': sqlTableOwner, 'ledger-writes': sqlTableOwner },
};
