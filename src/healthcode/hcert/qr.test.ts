import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { codeKeyFrom, issueCode, renderQrPng, renderQrSvg } from './index.js';

const key = codeKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const { text } = issueCode({ iss: '440100', sub: 'anon-1', colour: 'green', ruleSet: 'GD-HC', ruleVersion: '1' }, key);

test('renders an SVG', async () => {
  const svg = await renderQrSvg(text);
  assert.ok(svg.includes('<svg'));
});

test('renders a PNG', async () => {
  const png = await renderQrPng(text);
  assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
});

test('refuses text outside the QR alphanumeric set', async () => {
  await assert.rejects(renderQrSvg('gshc1:lower'), TypeError);
});
