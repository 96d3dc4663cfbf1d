import { describe, expect, it } from 'vitest';
import { decodeBody } from '../src/body-text.js';
import { htmlToMarkdown, htmlToText } from '../src/html-conversion.js';
import { truncateText } from '../src/truncation.js';

describe('truncateText', () => {
  it('leaves short text alone', () => {
    expect(truncateText('abc', 3)).toBe('abc');
  });

  it('says how much was cut and how to get more', () => {
    expect(truncateText('abcdef', 4)).toBe(
      'abcd\n\n[Truncated: showing 4 of 6 characters; 2 cut. Call http_fetch again with a larger max_length (up to 1000000) to read more.]',
    );
  });

  it('never splits a surrogate pair', () => {
    expect(truncateText('ab😀cd', 3).startsWith('ab\n\n[Truncated: showing 2 of 6')).toBe(true);
  });

  it('says when max_length cannot grow any more', () => {
    expect(truncateText('x'.repeat(1_000_001), 1_000_000)).toContain('already at its maximum');
  });
});

describe('decodeBody', () => {
  it('reads the charset from the header, a BOM, or a meta tag', () => {
    expect(decodeBody(Buffer.from([0x63, 0xe9]), 'text/plain; charset="ISO-8859-1"').text).toBe('cé');
    expect(decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), 'text/plain').text).toBe('hi');
    const latin1Html = Buffer.concat([
      Buffer.from('<html><head><meta charset="windows-1252"></head><body>'),
      Buffer.from([0x80]),
      Buffer.from('</body></html>'),
    ]);
    expect(decodeBody(latin1Html, 'text/html').text).toContain('€');
  });

  it('treats JSON, XML and +json types as text, and sniffs a missing type', () => {
    expect(decodeBody(Buffer.from('{}'), 'application/ld+json').kind).toBe('text');
    expect(decodeBody(Buffer.from('<rss/>'), 'application/rss+xml').kind).toBe('text');
    expect(decodeBody(Buffer.from('<!DOCTYPE html><p>x'), undefined).kind).toBe('html');
    expect(decodeBody(Buffer.from('plain'), undefined).kind).toBe('text');
  });

  it('refuses binary bodies', () => {
    expect(() => decodeBody(Buffer.from('%PDF-1.7'), 'application/pdf')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_CONTENT' }),
    );
    expect(() => decodeBody(Buffer.from([0x00, 0x01, 0x02]), 'application/octet-stream')).toThrow(
      'cannot return',
    );
  });
});

describe('HTML conversion', () => {
  const page = `<html><head><title>Small page</title></head><body><div><h2>Notes</h2><ol start="3"><li>three</li><li>four</li></ol>
    <table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table><pre>  indented\n  code</pre><p>a&nbsp;b <br>c</p></div></body></html>`;

  it('falls back to the whole body for pages that are not articles, keeping ordered lists numbered', () => {
    const markdown = htmlToMarkdown(page, 'https://example.test/');
    expect(markdown.startsWith('# Small page\n\n')).toBe(true);
    expect(markdown).toContain('## Notes');
    expect(markdown).toMatch(/^3\. three\n4\. four$/m);
  });

  it('gives text with blocks on their own lines and table cells apart', () => {
    const text = htmlToText(page, 'https://example.test/');
    expect(text).toContain(
      'Small page\n\nNotes\n\nthree\nfour\n\na\tb\n1\t2\n\n  indented\n  code\n\na b\nc',
    );
  });
});
