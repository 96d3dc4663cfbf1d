import { connect } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startNats } from '@ironcurtain/testing';

describe('startNats', () => {
  it('runs a real server on a free port, restarts it on the same port and store, and cleans up', async () => {
    const first = await startNats();
    const second = await startNats();
    try {
      expect(first.port).not.toBe(second.port);
      const connection = await connect({ servers: first.url });
      const info = connection.info;
      expect(info?.jetstream).toBe(true);
      await connection.close();

      const port = first.port;
      const pid = first.pid;
      await first.stop();
      await expect(connect({ servers: first.url, timeout: 300, reconnect: false })).rejects.toBeDefined();
      await first.restart();
      expect(first.port).toBe(port);
      expect(first.pid).not.toBe(pid);
      const again = await connect({ servers: first.url });
      await again.close();
    } finally {
      await first.dispose();
      await second.dispose();
    }
    expect(existsSync(first.storeDir)).toBe(false);
    expect(() => process.kill(first.pid ?? 0, 0)).toThrow();
  });
});
