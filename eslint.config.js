import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import govshare from './eslint-rules/index.js';

// SQL on `records` only inside src/records/ (the one door); writes to the ledger tables only inside src/audit/.
const RECORDS_DOOR = {
  tables: ['records'],
  owner: 'src/records',
  message: 'call a purpose-named function of src/records/ (the one door for records) instead',
};
const LEDGER_WRITES = {
  tables: ['audit_entries', 'audit_nodes', 'audit_subjects', 'audit_tree_heads'],
  owner: 'src/audit',
  access: 'write',
  message: 'append through the audit ledger (access/context.ts audit()) instead',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench-data/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'src/testing/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    plugins: { govshare },
    rules: { 'govshare/records-door': ['error', RECORDS_DOOR], 'govshare/ledger-writes': ['error', LEDGER_WRITES] },
  },
  // The door's store is internal to src/records/: other folders call its purpose-named functions.
  {
    files: ['**/*.ts'],
    ignores: ['src/records/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/records/store.js'],
              message: 'records/store.ts is internal to the records door; call a function of records/ instead.',
            },
          ],
        },
      ],
    },
  },
  // Tests and benchmarks inspect storage on purpose: they may read records (never write them) outside the door.
  {
    files: ['**/*.test.ts', 'src/testing/**', 'bench/**'],
    rules: { 'govshare/records-door': ['error', { ...RECORDS_DOOR, access: 'write' }] },
  },
  // Tests of the ledger's verification tamper with it on purpose.
  { files: ['**/*.test.ts'], rules: { 'govshare/ledger-writes': 'off' } },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
