/** Runs work one at a time per session, in arrival order; other sessions are not held up. */
export interface SessionLocks {
  run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
}

/**
 * Per-session mutual exclusion. The repository screen checks a repository, then git reads it: a write of the same
 * session landing in between would go unchecked, so a session's git calls and its writes take turns (reads do not
 * wait). A session with nothing queued holds no memory.
 */
export function createSessionLocks(): SessionLocks {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(sessionId) ?? Promise.resolve();
      const result = previous.then(work, work);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(sessionId, tail);
      void tail.then(() => {
        if (tails.get(sessionId) === tail) tails.delete(sessionId);
      });
      return result;
    },
  };
}
