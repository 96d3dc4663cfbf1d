// Elements that start a new block of text; their content is separated from its neighbours by a blank line.
const blockElements = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'main',
  'nav',
  'ol',
  'p',
  'section',
  'summary',
  'table',
  'ul',
]);
// Elements that start a new line but not a new paragraph.
const lineElements = new Set(['li', 'tr']);
const skippedElements = new Set(['script', 'style', 'noscript', 'template', 'head']);
const textNode = 3;
const elementNode = 1;

/**
 * The readable text of an element, roughly as a browser's `innerText` would give it (jsdom has no layout, so no
 * `innerText`): whitespace collapsed, a blank line between blocks, a line per list item, table row and `<br>`, table
 * cells separated by tabs, `<pre>` kept exactly as written.
 */
export function elementText(root: Element): string {
  const preformatted: string[] = [];
  const parts: string[] = [];
  walk(root, parts, preformatted);
  const text = parts
    .join('')
    .replace(/[ \t]*\n[ \t]*/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // <pre> blocks stood in as placeholders during the whitespace clean-up above; put them back untouched.
  return text.replace(/\uE000(\d+)\uE000/g, (_match, index: string) => preformatted[Number(index)] ?? '');
}

function walk(node: Node, parts: string[], preformatted: string[]): void {
  if (node.nodeType === textNode) {
    parts.push((node.textContent ?? '').replace(/\s+/g, ' '));
    return;
  }
  if (node.nodeType !== elementNode) return;
  const name = (node as Element).localName;
  if (skippedElements.has(name)) return;
  if (name === 'br') {
    parts.push('\n');
    return;
  }
  if (name === 'pre') {
    preformatted.push((node.textContent ?? '').replace(/^\n|\n$/g, ''));
    parts.push(`\n\n\uE000${preformatted.length - 1}\uE000\n\n`);
    return;
  }
  const isBlock = blockElements.has(name);
  if (isBlock) parts.push('\n\n');
  if (lineElements.has(name)) parts.push('\n');
  for (const child of node.childNodes) walk(child, parts, preformatted);
  if (name === 'td' || name === 'th') parts.push('\t');
  if (isBlock) parts.push('\n\n');
}
