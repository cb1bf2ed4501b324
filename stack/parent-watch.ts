/**
 * Ends this process when the process that started it is gone (it was re-parented), so a
 * crashed test runner or a killed `npm run stack` never leaves an engine holding its data
 * directory and port. `onOrphaned` should shut down cleanly and exit.
 */
export function exitWhenOrphaned(onOrphaned: () => void, intervalMs = 1000): NodeJS.Timeout {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
  return timer;
}
