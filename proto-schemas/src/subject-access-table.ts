import { bucketAccess, endpointAccess, eventAccess } from './access.js';
import { natsSubjectOf } from './nats-permissions.js';
import type { Principal } from './principals.js';

const names = (list: readonly Principal[]): string => (list.length === 0 ? '—' : list.join(', '));
// A `|` in a description would end its table cell early, and a `<word>` would render as an unknown HTML tag.
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('<', '&lt;');

/**
 * The access declaration as Markdown for proto-schemas/README.md: one table of subjects (endpoints, then events)
 * and one of KV buckets. A test fails when the README's copy differs from this.
 */
export function subjectAccessTable(): string {
  const subjects = [
    '| subject | kind | served / published by | requested / subscribed by | what |',
    '| --- | --- | --- | --- | --- |',
    ...endpointAccess.map(
      (access) =>
        `| \`${natsSubjectOf(access)}\` | request | ${access.servedBy} | ${names(access.requestedBy)} | ` +
        `${cell(access.definition.description)} |`,
    ),
    ...eventAccess.map(
      (access) =>
        `| \`${access.definition.subject}\` | event | ${access.publishedBy} | ${names(access.subscribedBy)} | ` +
        `${cell(access.definition.description)} |`,
    ),
  ];
  const buckets = [
    '| KV bucket | written by | read / watched by | what |',
    '| --- | --- | --- | --- |',
    ...bucketAccess.map(
      (access) =>
        `| \`${access.bucket}\` | ${names(access.writtenBy)} | ${names(access.readBy)} | ` +
        `${cell(access.description)} |`,
    ),
  ];
  return [...subjects, '', ...buckets, ''].join('\n');
}
