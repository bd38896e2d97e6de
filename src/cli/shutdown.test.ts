import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './errors.js';
import { DEFAULT_SHUTDOWN_SECONDS, guardSignals, shutdownSecondsOf } from './shutdown.js';

test('--shutdown-seconds wins over GOVSHARE_SHUTDOWN_SECONDS, which wins over 25; bad values are usage errors', () => {
  assert.equal(DEFAULT_SHUTDOWN_SECONDS, 25);
  assert.equal(shutdownSecondsOf(undefined, {}), 25);
  assert.equal(shutdownSecondsOf(undefined, { GOVSHARE_SHUTDOWN_SECONDS: '7' }), 7);
  assert.equal(shutdownSecondsOf('3', { GOVSHARE_SHUTDOWN_SECONDS: '7' }), 3);
  assert.equal(shutdownSecondsOf('0', {}), 0);
  assert.throws(
    () => shutdownSecondsOf('soon', {}),
    (e: unknown) => e instanceof UsageError && /--shutdown-seconds/.test(String(e)),
  );
  assert.throws(() => shutdownSecondsOf(undefined, { GOVSHARE_SHUTDOWN_SECONDS: '-1' }), /GOVSHARE_SHUTDOWN_SECONDS/);
  assert.throws(() => shutdownSecondsOf('1.5', {}), UsageError);
});

test('the first signal aborts and is reported; a second one exits at once with 128 + its number', async () => {
  const before = process.listenerCount('SIGTERM');
  const exits: number[] = [];
  let err = '';
  const guard = guardSignals({ boundMs: 60_000, err: (t) => (err += t), exit: (c) => void exits.push(c) });
  try {
    assert.equal(guard.signal.aborted, false);
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(guard.signal.aborted, true);
    assert.equal(await guard.first, 'SIGTERM');
    assert.deepEqual(exits, [], 'the first signal stops in order, it does not exit');
    process.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [130]);
    assert.match(err, /second SIGINT, exiting now/);
  } finally {
    guard.dispose();
  }
  assert.equal(process.listenerCount('SIGTERM'), before, 'the handlers are removed');
});
