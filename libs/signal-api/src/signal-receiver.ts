import { setTimeout as sleep } from 'node:timers/promises';
import { cleanExternalText } from './external-text.js';
import { parseSignalEnvelope } from './parse-signal-envelope.js';
import { reconnectDelayMs, resolveBackoffLimits } from './reconnect-backoff.js';
import type { SignalReceiveHandlers, SignalReceiveOptions, SignalReceiver } from './signal-api-types.js';

/** Where to receive: the websocket URL and the account whose envelopes are expected there. */
export interface ReceiverTarget {
  readonly url: string;
  readonly account: string;
}

/**
 * Frames received but not yet handled, at most. Past it a frame is dropped and reported, so a handler that hangs
 * cannot make the process run out of memory.
 */
export const maximumQueuedFrames = 10_000;
const closeGraceMs = 2_000;

/**
 * Connects the receive websocket and keeps it up: after a drop or a refused connection it reconnects with
 * exponential backoff and jitter, reporting each change of state. Frames are handled one at a time in the order
 * received; nothing a handler or a frame does can throw out of the loop.
 */
export function startSignalReceiver(
  target: ReceiverTarget,
  handlers: SignalReceiveHandlers,
  options: SignalReceiveOptions,
): SignalReceiver {
  const limits = resolveBackoffLimits(options);
  const report = safeReporters(handlers);
  const queue = createFrameQueue(target.account, handlers, report);
  let isClosed = false;
  let socket: WebSocket | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let lastState: 'connected' | 'disconnected' | undefined;
  let socketClosed: Promise<void> = Promise.resolve();

  const setState = (state: 'connected' | 'disconnected', detail?: string) => {
    if (state === 'disconnected' && lastState === 'disconnected') return;
    lastState = state;
    report.state(state, detail);
  };
  const scheduleReconnect = () => {
    if (isClosed) return;
    const delay = reconnectDelayMs(limits, attempt);
    attempt += 1;
    reconnectTimer = setTimeout(connect, delay);
  };
  function connect(): void {
    reconnectTimer = undefined;
    if (isClosed) return;
    let current: WebSocket;
    try {
      current = new WebSocket(target.url);
    } catch (error) {
      setState('disconnected', `cannot open the websocket: ${errorText(error)}`);
      scheduleReconnect();
      return;
    }
    socket = current;
    current.binaryType = 'arraybuffer';
    socketClosed = watchSocket(current, {
      onOpen: () => {
        attempt = 0;
        setState('connected');
      },
      onFrame: (data) => {
        if (!isClosed) queue.push(data);
      },
      onClose: (detail) => {
        if (socket === current) socket = undefined;
        setState('disconnected', detail);
        scheduleReconnect();
      },
    });
  }

  connect();
  return {
    async close() {
      if (!isClosed) {
        isClosed = true;
        if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
        socket?.close(1000, 'closing');
      }
      await Promise.race([socketClosed, sleep(closeGraceMs, undefined, { ref: false })]);
      await queue.idle();
    },
  };
}

interface SocketEvents {
  onOpen(): void;
  onFrame(data: unknown): void;
  onClose(detail: string): void;
}

/** Wires one socket's events; resolves when it has closed. */
function watchSocket(socket: WebSocket, events: SocketEvents): Promise<void> {
  return new Promise((resolve) => {
    let wasOpen = false;
    let failure = '';
    socket.addEventListener('open', () => {
      wasOpen = true;
      events.onOpen();
    });
    socket.addEventListener('message', (event) => events.onFrame(event.data));
    socket.addEventListener('error', (event) => {
      failure = errorText((event as { error?: unknown }).error ?? (event as { message?: unknown }).message);
    });
    socket.addEventListener('close', (event) => {
      const reason = event.reason === '' ? '' : `, ${cleanExternalText(event.reason, 120)}`;
      const cause = failure === '' ? '' : `: ${failure}`;
      const what = wasOpen ? 'the receive websocket closed' : 'cannot connect the receive websocket';
      events.onClose(`${what} (code ${event.code}${reason})${cause}`);
      resolve();
    });
  });
}

interface Reporters {
  state(state: 'connected' | 'disconnected', detail?: string): void;
  malformed(reason: string): void;
  handlerError(error: unknown): void;
}

/** The optional handlers, each guarded: a reporter that throws must not stop the loop. */
function safeReporters(handlers: SignalReceiveHandlers): Reporters {
  const guard = (call: () => void) => {
    try {
      call();
    } catch {
      // A failing reporter has nowhere to report to; the loop goes on.
    }
  };
  return {
    state: (state, detail) => guard(() => handlers.onState?.(state, detail)),
    malformed: (reason) => guard(() => handlers.onMalformed?.(reason)),
    handlerError: (error) => guard(() => handlers.onHandlerError?.(error)),
  };
}

interface FrameQueue {
  push(data: unknown): void;
  /** Resolves once every frame pushed so far is handled. */
  idle(): Promise<void>;
}

function createFrameQueue(account: string, handlers: SignalReceiveHandlers, report: Reporters): FrameQueue {
  const frames: unknown[] = [];
  let draining: Promise<void> | undefined;

  async function deliver(data: unknown): Promise<void> {
    if (typeof data !== 'string') return report.malformed('a binary frame, where the API sends JSON text');
    const parsed = parseSignalEnvelope(data);
    if ('malformed' in parsed) return report.malformed(parsed.malformed);
    if (parsed.account !== account)
      return report.malformed('an envelope for another account than the one received for');
    try {
      await handlers.onEnvelope(parsed);
    } catch (error) {
      report.handlerError(error);
    }
  }
  async function drain(): Promise<void> {
    while (frames.length > 0) await deliver(frames.shift());
    draining = undefined;
  }
  return {
    push(data) {
      if (frames.length >= maximumQueuedFrames) {
        report.malformed(`${maximumQueuedFrames} frames are waiting for the handler; a frame was dropped`);
        return;
      }
      frames.push(data);
      draining ??= drain();
    },
    idle: () => draining ?? Promise.resolve(),
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return cleanExternalText(error.message, 200);
  if (typeof error === 'string') return cleanExternalText(error, 200);
  return '';
}
