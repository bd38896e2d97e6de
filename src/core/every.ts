/**
 * Runs `task` every `ms` in the background: never two runs at once, errors swallowed (the task records its own
 * failures), and the timer does not keep the process alive. Returns a stop function.
 */
export function every(ms: number, task: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
