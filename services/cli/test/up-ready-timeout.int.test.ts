// When the services do not all answer in time, `up` says which, stops everything and exits 1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';
import {
  cliEnvironment,
  isAlive,
  killLeftovers,
  readStackFile,
  startCli,
  type CliProcess,
} from './stack-process.js';

describe('ironcurtain up when the services are not ready in time', () => {
  let home: string;
  let up: CliProcess | undefined;
  const startedPids: number[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-up-timeout-'));
  });

  afterAll(async () => {
    await killLeftovers(up, startedPids);
    await rm(home, { recursive: true, force: true });
  });

  it('names the services that did not answer, stops everything it started and exits 1', async () => {
    // 1 ms: no service can have started and registered by then, so the outcome does not depend on machine speed.
    up = startCli(['up', '--ready-timeout', '0.001'], cliEnvironment(home));
    const exit = await up.exited;
    const output = up.output();
    for (const match of output.matchAll(/started \S+ \(PID (\d+)\)/g)) startedPids.push(Number(match[1]));

    expect(exit).toEqual({ code: 1, signal: null });
    expect(output).toMatch(/not ready after 0\.001 s: no \$SRV\.PING answer from /);
    for (const name of stackServiceNames) expect(output).toContain(name);
    expect(output).not.toContain('IronCurtain is up');
    expect(startedPids).toHaveLength(8); // nats-server and seven services
    for (const pid of startedPids) expect(isAlive(pid), `PID ${pid} is still alive`).toBe(false);
    expect(await readStackFile(home)).toBeUndefined();
  }, 60_000);
});
