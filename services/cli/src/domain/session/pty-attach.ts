import type { DockerEngine } from '@ironcurtain/docker-engine';

/** What {@link attachToContainerTerminal} connects. */
export interface ContainerTerminalOptions {
  engine: DockerEngine;
  /** A container created with `Tty: true` and `OpenStdin: true` (running, or about to be started). */
  containerName: string;
  /** The person's terminal: put in raw mode while attached. */
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Ctrl-\ was pressed (it is not forwarded to the container). */
  onStopRequested(): void;
}

/** This terminal, attached to a container's TTY. */
export interface ContainerTerminal {
  /**
   * Resolves when the container's process ends while attached (exit code from the engine; undefined if it cannot
   * tell, e.g. the container was removed at once). After detach() it no longer settles.
   */
  exited: Promise<{ exitCode: number | undefined }>;
  /** Rings this terminal's bell (BEL), e.g. when the session waits for an approval. */
  ringBell(): void;
  /** Types `text` into the container's terminal as if the person had (the first task of a PTY session). */
  type(text: string): void;
  /**
   * Resolves once the container has printed something and then nothing for `quietMs` (a TUI waiting at its prompt),
   * or after `timeoutMs` whatever it printed.
   */
  whenQuiet(quietMs: number, timeoutMs: number): Promise<void>;
  /** Stops forwarding both ways and gives the terminal back as it was. Safe to call more than once. */
  detach(): Promise<void>;
}

const stopKey = 0x1c; // Ctrl-\ in raw mode
const bell = '\x07';
// A container attached before it starts cannot be resized yet; the size is sent again until it takes.
const resizeRetryMs = 250;
const resizeAttempts = 40;

/**
 * Attaches this terminal to a container's TTY through the Docker engine (`attach` with `hijack`): keys go in as typed
 * (raw mode), the container's output comes out byte for byte, and the container's TTY follows this terminal's size.
 * The output is not filtered, by design: this terminal shows the agent's own TUI, and approvals are never answered
 * here. Ctrl-\ is kept from the container and asks the caller to stop the session. The terminal's mode is restored
 * on detach, when the container exits, and when the attachment fails.
 */
export async function attachToContainerTerminal(
  options: ContainerTerminalOptions,
): Promise<ContainerTerminal> {
  const { input, output } = options;
  const container = options.engine.client.getContainer(options.containerName);
  const stream = (await container.attach({
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
    hijack: true,
  })) as NodeJS.ReadWriteStream & { destroy(): void };
  const wasRaw = input.isTTY === true && input.isRaw;
  let lastOutputAt: number | undefined;
  stream.on('data', () => void (lastOutputAt = Date.now()));
  // A stream left flowing with nobody reading would keep the process alive and swallow what is typed next.
  const wasFlowing = input.readableFlowing === true;
  let isAttached = true;

  const forwardInput = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const kept = bytes.filter((byte) => byte !== stopKey);
    if (kept.length > 0) stream.write(kept);
    if (kept.length !== bytes.length) options.onStopRequested();
  };
  const resize = (): void => void sendSize(container, output, () => isAttached);
  const release = (): void => {
    if (!isAttached) return;
    isAttached = false;
    input.off('data', forwardInput);
    output.off('resize', resize);
    stream.unpipe(output);
    if (input.isTTY === true) input.setRawMode(wasRaw);
    if (!wasFlowing) input.pause();
  };

  const exited = watchForExit(stream, container, { isAttached: () => isAttached, release });

  try {
    if (input.isTTY === true) input.setRawMode(true);
    input.on('data', forwardInput);
    input.resume();
    stream.pipe(output, { end: false });
    output.on('resize', resize);
    resize();
  } catch (error) {
    release();
    stream.destroy();
    throw error;
  }
  return {
    exited,
    ringBell: () => void output.write(bell),
    type: (text) => void (isAttached && stream.write(text)),
    whenQuiet: (quietMs, timeoutMs) => waitUntilQuiet(() => lastOutputAt, quietMs, timeoutMs),
    detach: async () => {
      release();
      stream.destroy();
    },
  };
}

/**
 * Resolves once the attached stream ends because the container's process did (not because detach() closed it),
 * after giving the terminal back.
 */
function watchForExit(
  stream: NodeJS.ReadWriteStream,
  container: ReturnType<DockerEngine['client']['getContainer']>,
  attachment: { isAttached(): boolean; release(): void },
): Promise<{ exitCode: number | undefined }> {
  return new Promise((resolve) => {
    let hasEnded = false;
    const onEnd = (): void => {
      if (hasEnded || !attachment.isAttached()) return;
      hasEnded = true;
      attachment.release();
      void exitCodeOf(container).then(resolve);
    };
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    // `on`, not `once`: a destroyed socket may report more than one error, and each must be handled.
    stream.on('error', onEnd);
  });
}

/** Sends this terminal's size to the container's TTY, retrying while the container has not started yet. */
async function sendSize(
  container: ReturnType<DockerEngine['client']['getContainer']>,
  output: NodeJS.WriteStream,
  isAttached: () => boolean,
): Promise<void> {
  for (let attempt = 1; attempt <= resizeAttempts && isAttached(); attempt += 1) {
    const columns = output.columns;
    const rows = output.rows;
    if (columns === undefined || rows === undefined || columns <= 0 || rows <= 0) return;
    try {
      await container.resize({ h: rows, w: columns });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, resizeRetryMs));
    }
  }
}

/** The exit code of a container whose attached stream ended: `wait` answers at once for a stopped container. */
async function exitCodeOf(
  container: ReturnType<DockerEngine['client']['getContainer']>,
): Promise<{ exitCode: number | undefined }> {
  try {
    const result = (await container.wait({ condition: 'not-running' })) as { StatusCode?: number };
    return { exitCode: typeof result.StatusCode === 'number' ? result.StatusCode : undefined };
  } catch {
    // Removed already (auto-remove, or the orchestrator's cleanup): the engine no longer knows how it ended.
    return { exitCode: undefined };
  }
}

async function waitUntilQuiet(
  lastOutputAt: () => number | undefined,
  quietMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = lastOutputAt();
    const now = Date.now();
    if (now >= deadline || (last !== undefined && now - last >= quietMs)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
