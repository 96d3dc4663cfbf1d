import { Readability } from '@mozilla/readability';
import { JSDOM, VirtualConsole } from 'jsdom';
import TurndownService from 'turndown';
import { elementText } from './html-text.js';

/** The readable part of a page: its title and the HTML of its main content. */
export interface ReadableContent {
  title: string;
  contentHtml: string;
}

const ignoredElements = ['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed'];

/**
 * Parses the page with jsdom and extracts the article with Readability (Firefox Reader View's algorithm); pages
 * that are not article-like fall back to the whole body without scripts and styles. jsdom is used with its
 * defaults, which matter here: scripts are not run and no subresource (image, stylesheet, frame) is loaded, so
 * converting a page never makes a network request of its own. `url` only resolves relative links. Its virtual
 * console is left unconnected, because jsdom would otherwise print page errors to this process's console.
 */
export function extractReadableContent(html: string, url: string): ReadableContent {
  const dom = new JSDOM(html, { url, virtualConsole: new VirtualConsole() });
  try {
    const document = dom.window.document;
    // Readability rewrites the document it reads; keep the original for the fallback.
    const article = new Readability(document.cloneNode(true) as Document).parse();
    const title = (article?.title ?? document.title).trim();
    if (article?.content !== undefined && article.content !== null && article.textContent?.trim() !== '') {
      return { title, contentHtml: article.content };
    }
    for (const element of document.querySelectorAll(ignoredElements.join(','))) element.remove();
    return { title, contentHtml: document.body?.innerHTML ?? '' };
  } finally {
    dom.window.close();
  }
}

/** The page as Markdown: a `# title` line, then the readable content with headings, links and lists kept. */
export function htmlToMarkdown(html: string, url: string): string {
  const { title, contentHtml } = extractReadableContent(html, url);
  const turndown = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
  });
  turndown.remove(ignoredElements as (keyof HTMLElementTagNameMap)[]);
  turndown.addRule('listItem', { filter: 'li', replacement: compactListItem });
  const markdown = turndown.turndown(contentHtml).trim();
  return title === '' ? markdown : `# ${title}\n\n${markdown}`;
}

/** The page as plain readable text: the title, then the readable content with paragraphs as blank-line breaks. */
export function htmlToText(html: string, url: string): string {
  const { title, contentHtml } = extractReadableContent(html, url);
  const fragment = JSDOM.fragment(`<div>${contentHtml}</div>`);
  const root = fragment.firstElementChild;
  const text = root === null ? '' : elementText(root);
  return title === '' ? text : `${title}\n\n${text}`;
}

// Turndown pads list markers to four columns ("-   item"); one space says the same in fewer tokens.
function compactListItem(
  content: string,
  node: TurndownService.Node,
  options: TurndownService.Options,
): string {
  const parent = node.parentNode as Element | null;
  let prefix = `${options.bulletListMarker ?? '-'} `;
  if (parent?.nodeName === 'OL') {
    const start = Number(parent.getAttribute('start') ?? '1');
    prefix = `${start + Array.prototype.indexOf.call(parent.children, node)}. `;
  }
  const body = content
    .replace(/^\n+/, '')
    .replace(/\n+$/, '\n')
    .replace(/\n/gm, `\n${' '.repeat(prefix.length)}`);
  return prefix + body + (node.nextSibling !== null && !body.endsWith('\n') ? '\n' : '');
}
