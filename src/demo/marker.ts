// The interrupted-build marker: `demo-building` in the data directory is written (and synced) before a demo build
// starts and removed after its credentials file is in place. Found at the next start, it means the build was cut
// short (SIGTERM, a crash, a power cut): the partial province is reset and the demo is built again.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MARKER_FILE = 'demo-building';

const markerOf = (dir: string): string => join(dir, MARKER_FILE);

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not every platform syncs a directory */
  }
}

export function demoInterrupted(dir: string): boolean {
  return existsSync(markerOf(dir));
}

/** Marks a build as begun; the credentials of an older build go first (their tokens are about to be replaced). */
export function markDemoBuilding(dir: string): void {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'demo-credentials.json'), { force: true });
  const fd = openSync(markerOf(dir), 'w', 0o644);
  try {
    writeSync(fd, `${new Date().toISOString()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDir(dir);
}

export function clearDemoBuilding(dir: string): void {
  rmSync(markerOf(dir), { force: true });
  syncDir(dir);
}
