import type { Bus } from '@ironcurtain/bus';

/** How long the CLI lets its NATS connection try to reconnect before it gives up on the stack. */
export const reconnectBoundMs = 10_000;

/** Watches one bus connection for its loss. */
export interface BusLossWatch {
  /** Resolves with what happened once the bus is lost: the connection closed, or no reconnect within the bound. */
  readonly lost: Promise<string>;
  /** Stops watching, before the connection is closed on purpose: `lost` then never resolves. */
  stop(): void;
}

/**
 * Watches `bus` through the nats.js status events: a disconnect starts a clock that a reconnect stops; when it runs
 * out (the connection would otherwise keep trying forever), or the connection closes without being asked to, the
 * bus is lost.
 */
export function watchBusLoss(bus: Bus, boundMs: number = reconnectBoundMs): BusLossWatch {
  const server = bus.connection.getServer();
  let isWatching = true;
  let clock: NodeJS.Timeout | undefined;
  let settle: (message: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => {
    settle = (message) => {
      if (!isWatching) return;
      isWatching = false;
      clearTimeout(clock);
      resolve(message);
    };
  });
  void (async () => {
    for await (const status of bus.connection.status()) {
      if (!isWatching) break;
      if (status.type === 'disconnect' && clock === undefined) {
        clock = setTimeout(
          () =>
            settle(
              `lost the connection to NATS at ${server}: no reconnect within ${boundMs / 1000} s ` +
                '(is the stack still running?)',
            ),
          boundMs,
        );
      } else if (status.type === 'reconnect') {
        clearTimeout(clock);
        clock = undefined;
      }
    }
  })();
  void bus.connection.closed().then((error) => {
    const why = error instanceof Error ? `: ${error.message}` : '';
    settle(`the connection to NATS at ${server} was closed${why}`);
  });
  return {
    lost,
    stop() {
      isWatching = false;
      clearTimeout(clock);
    },
  };
}
