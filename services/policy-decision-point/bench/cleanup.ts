// Everything the benchmark starts is registered here, so it is stopped and removed on success, on failure and on
// Ctrl-C: an orderly async step for the normal path, and a synchronous last resort for a process that is exiting.
export interface Cleanup {
  /** Runs on `run()`, last registered first. */
  add(step: () => Promise<void> | void, lastResort?: () => void): void;
  run(): Promise<void>;
}

export function createCleanup(): Cleanup {
  const steps: Array<{ step: () => Promise<void> | void; lastResort?: () => void; isDone: boolean }> = [];
  const run = async (): Promise<void> => {
    for (const entry of steps.reverse()) {
      if (entry.isDone) continue;
      entry.isDone = true;
      try {
        await entry.step();
      } catch (error) {
        console.error(`cleanup step failed: ${(error as Error).message}`);
        entry.lastResort?.();
      }
    }
    steps.length = 0;
  };
  // If the process exits without run() (an uncaught error, process.exit), kill and remove synchronously.
  process.once('exit', () => {
    for (const entry of steps) if (!entry.isDone) entry.lastResort?.();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: cleaning up`);
      void run().finally(() => process.exit(130));
    });
  }
  return {
    add(step, lastResort) {
      steps.push({ step, ...(lastResort === undefined ? {} : { lastResort }), isDone: false });
    },
    run,
  };
}
