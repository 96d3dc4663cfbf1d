import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../src/domain/json-syntax.js';

function isValidForV8(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('accepts what JSON.parse accepts and rejects what it rejects', () => {
    const jsonText = fc.json();
    const mangled = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', ' x', '\\', '\n', '01', '-', 'tru'),
      )
      .map(
        ([text, at, insert]) =>
          text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
      );
    fc.assert(
      fc.property(fc.oneof(jsonText, mangled, fc.string()), (text) => {
        expect(findJsonSyntaxError(text) === undefined).toBe(isValidForV8(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '0',
    '01',
    '-',
    '-0',
    '1.',
    '.5',
    '1e',
    '1e+5',
    '"\\x"',
    '"\\u12G4"',
    '"\\u12aF"',
    '"\u0001"',
    '"\\/"',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    '{,}',
    'tru',
    'nul',
    '1 2',
    ' ',
    '',
    '\u00a01',
    '\ufeff{}',
  ])('agrees with JSON.parse on %j', (text) => {
    expect(findJsonSyntaxError(text) === undefined).toBe(isValidForV8(text));
  });

  it('reports the line and column of the first error', () => {
    expect(findJsonSyntaxError('{\n  "model": "x",\n  oops\n}')).toMatchObject({
      line: 3,
      column: 3,
      reason: 'expected a double-quoted property name',
    });
    expect(findJsonSyntaxError('[1, 2')).toMatchObject({ offset: 5, line: 1, column: 6 });
    expect(findJsonSyntaxError('{"a": 1} x')).toMatchObject({
      reason: 'unexpected text after the end of the JSON value',
    });
  });

  it('never quotes the text it checks, so a secret in the file stays out of the message', () => {
    const error = findJsonSyntaxError('{"apiKey": sk-ant-SECRETVALUE}');
    expect(error).toBeDefined();
    expect(JSON.stringify(error)).not.toMatch(/sk-ant|SECRET/);
  });
});
