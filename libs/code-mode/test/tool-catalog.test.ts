import { describe, expect, it } from 'vitest';
import { reservedGlobalNames } from '../src/reserved-globals.js';
import { bindCatalog } from '../src/tool-catalog.js';

const schema = { type: 'object' };

describe('bindCatalog', () => {
  it('gives names that are not identifiers an underscore alias unless it would shadow a real name', () => {
    const bindings = bindCatalog(
      {
        servers: [
          {
            name: 'my-server',
            tools: [
              { name: 'list-things', inputSchema: schema },
              { name: 'list_things2', inputSchema: schema },
              { name: 'taken-name', inputSchema: schema },
              { name: 'taken_name', inputSchema: schema },
              { name: '2fa', inputSchema: schema },
              { name: 'a.b', inputSchema: schema },
              { name: 'a-b', inputSchema: schema },
            ],
          },
        ],
      },
      reservedGlobalNames(),
    );
    expect(bindings).toEqual([
      {
        name: 'my-server',
        alias: 'my_server',
        tools: [
          { name: 'list-things', alias: 'list_things' },
          { name: 'list_things2' },
          { name: 'taken-name' },
          { name: 'taken_name' },
          { name: '2fa', alias: '_2fa' },
          { name: 'a.b', alias: 'a_b' },
          { name: 'a-b' },
        ],
      },
    ]);
  });

  it('refuses duplicate servers, duplicate tools and names that would replace globals', () => {
    const reserved = reservedGlobalNames();
    const tool = { name: 't', inputSchema: schema };
    expect(() =>
      bindCatalog(
        {
          servers: [
            { name: 'a', tools: [] },
            { name: 'a', tools: [] },
          ],
        },
        reserved,
      ),
    ).toThrow(/appears twice/);
    expect(() => bindCatalog({ servers: [{ name: 'a', tools: [tool, tool] }] }, reserved)).toThrow(
      /tool name twice/,
    );
    for (const name of ['Math', 'globalThis', 'eval', 'Promise', '__getToolInterface']) {
      expect(() => bindCatalog({ servers: [{ name, tools: [] }] }, reserved)).toThrow(/would replace/);
    }
  });
});
