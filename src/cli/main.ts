import { processIo } from './io.js';
import { run } from './program.js';

let pipeGuarded = false;

/** A reader that goes away (`govshare catalog list | head`) is not an error worth a stack trace. */
function ignoreClosedPipes(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** The govshare command. argv is process.argv; resolves with the exit code and never exits the process itself. */
export async function main(argv: string[]): Promise<number> {
  ignoreClosedPipes();
  return run(argv.slice(2), processIo());
}
