// Paths between the container's view (/workspace) and the host's (the session sandbox): arguments go in mapped to
// host paths for the PDP to judge, results come back with host paths hidden. Mapping too little is safe (the PDP
// treats an unknown path as outside the sandbox); mapping something that is not the workspace would not be.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maximumArgumentDepth,
  toContainerText,
  toHostArguments,
} from '../src/domain/container/workspace-paths.js';

const mapping = { sandboxPath: '/home/ada/.ironcurtain/sessions/s1/sandbox', workspacePath: '/workspace' };
const sandbox = mapping.sandboxPath;

describe('toHostArguments', () => {
  it('maps /workspace and paths under it, deep in objects and arrays, and nothing else', () => {
    const mapped = toHostArguments(
      {
        path: '/workspace/notes/a.md',
        root: '/workspace',
        edits: [{ file: '/workspace/b.txt', text: 'see /workspace/b.txt' }, ['/workspace/c', 7, null, true]],
        similar: [
          '/workspaceX',
          '/workspace2/x',
          'workspace/x',
          './workspace/x',
          'file:///workspace/x',
          ' /workspace',
        ],
      },
      mapping,
    );
    expect(mapped).toEqual({
      path: `${sandbox}/notes/a.md`,
      root: sandbox,
      edits: [{ file: `${sandbox}/b.txt`, text: 'see /workspace/b.txt' }, [`${sandbox}/c`, 7, null, true]],
      similar: [
        '/workspaceX',
        '/workspace2/x',
        'workspace/x',
        './workspace/x',
        'file:///workspace/x',
        ' /workspace',
      ],
    });
  });

  it('maps textually and leaves `..` for the PDP to resolve', () => {
    expect(toHostArguments({ path: '/workspace/../../etc/passwd' }, mapping)).toEqual({
      path: `${sandbox}/../../etc/passwd`,
    });
    expect(toHostArguments({ path: '/workspace//x/./y' }, mapping)).toEqual({ path: `${sandbox}//x/./y` });
  });

  it('keeps a key named __proto__ as data and leaves object keys unmapped', () => {
    const hostile = JSON.parse('{"__proto__": {"path": "/workspace/x"}, "/workspace/k": 1}') as Record<
      string,
      unknown
    >;
    const mapped = toHostArguments(hostile, mapping);
    expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(mapped)).toEqual(['__proto__', '/workspace/k']);
    expect(Object.getOwnPropertyDescriptor(mapped, '__proto__')?.value).toEqual({ path: `${sandbox}/x` });
  });

  it('refuses arguments nested deeper than the limit with a clear error instead of exhausting the stack', () => {
    let deep: unknown = '/workspace/x';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(() => toHostArguments({ deep }, mapping)).toThrow(/nested more than 100 levels/);
    let allowed: unknown = '/workspace/x';
    for (let level = 1; level < maximumArgumentDepth; level += 1) allowed = [allowed];
    expect(JSON.stringify(toHostArguments({ allowed }, mapping))).toContain(`${sandbox}/x`);
  });

  it('refuses a mapping that is not two absolute paths without trailing slashes', () => {
    expect(() =>
      toHostArguments({}, { sandboxPath: 'relative/sandbox', workspacePath: '/workspace' }),
    ).toThrow(/sandboxPath must be an absolute path/);
    expect(() => toHostArguments({}, { sandboxPath: '/sandbox/', workspacePath: '/workspace' })).toThrow(
      /trailing slash/,
    );
    expect(() => toHostArguments({}, { sandboxPath: '/sandbox', workspacePath: '/' })).toThrow(
      /workspacePath/,
    );
  });

  it('property: a string is mapped exactly when it is /workspace or starts with /workspace/', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((rest) => `/workspace${rest}`),
        ),
        (value) => {
          const mapped = toHostArguments({ value }, mapping)['value'];
          const isWorkspacePath = value === '/workspace' || value.startsWith('/workspace/');
          expect(mapped).toBe(isWorkspacePath ? sandbox + value.slice('/workspace'.length) : value);
        },
      ),
    );
  });

  it('property: structure and every non-string value are kept; the input is not changed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const input = { value };
        const before = JSON.stringify(input);
        const mapped = toHostArguments(input, mapping);
        expect(JSON.stringify(input)).toBe(before);
        // With a sandbox path of the same length as /workspace, the only difference can be those characters.
        const sameLength = toHostArguments(input, { sandboxPath: '/sandbox00', workspacePath: '/workspace' });
        expect(JSON.stringify(sameLength).length).toBe(before.length);
        expect(Object.keys(mapped)).toEqual(['value']);
      }),
    );
  });
});

describe('toContainerText', () => {
  it('maps the sandbox path and paths under it back to /workspace', () => {
    const text = `wrote ${sandbox}/a.md\n${sandbox}\n"${sandbox}/b c.txt", (${sandbox}) ${sandbox}. [${sandbox}]:`;
    expect(toContainerText(text, mapping)).toBe(
      'wrote /workspace/a.md\n/workspace\n"/workspace/b c.txt", (/workspace) /workspace. [/workspace]:',
    );
  });

  it('leaves other paths that merely contain the sandbox path alone', () => {
    const others = [
      `${sandbox}2/x`,
      `${sandbox}-old`,
      `${sandbox}.bak`,
      `${sandbox}..`,
      `${sandbox}é`,
      `${sandbox}\u{1d4d0}`,
      `/mnt${sandbox}/x`,
      `.${sandbox}`,
      `x\u{1d4d0}${sandbox}`,
    ];
    for (const other of others) expect(toContainerText(other, mapping)).toBe(other);
  });

  it('maps file URLs and every occurrence in a long text', () => {
    expect(toContainerText(`file://${sandbox}/x`, mapping)).toBe('file:///workspace/x');
    const many = Array.from({ length: 1000 }, (_, index) => `${sandbox}/f${index}`).join(' ');
    expect(toContainerText(many, mapping)).toBe(
      Array.from({ length: 1000 }, (_, index) => `/workspace/f${index}`).join(' '),
    );
  });

  it('property: text without the sandbox path is returned unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (text) => {
        fc.pre(!text.includes(sandbox));
        expect(toContainerText(text, mapping)).toBe(text);
      }),
    );
  });

  it('property: host paths written by toHostArguments come back as the container paths', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 5 }),
        fc.constantFrom(' ', '\n', '"', ')', ''),
        (parts, after) => {
          const containerPath = ['/workspace', ...parts].join('/');
          const hostPath = toHostArguments({ path: containerPath }, mapping)['path'] as string;
          expect(toContainerText(`found: ${hostPath}${after}`, mapping)).toBe(
            `found: ${containerPath}${after}`,
          );
        },
      ),
    );
  });
});
