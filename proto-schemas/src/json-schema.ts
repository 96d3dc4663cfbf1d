import { z } from 'zod';
import type { Endpoint, EventDefinition } from './endpoint.js';

/** One generated JSON Schema document and the file name it is kept under in `json-schema/`. */
export interface SchemaFile {
  fileName: string;
  content: string;
}

/** The JSON Schema files for the given endpoints and events, in a stable order and format. */
export function renderJsonSchemas(
  endpoints: readonly Endpoint[],
  events: readonly EventDefinition[],
): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const endpoint of endpoints) {
    files.push(render(`${endpoint.subject}.request.json`, endpoint.subject, endpoint.request));
    files.push(render(`${endpoint.subject}.response.json`, endpoint.subject, endpoint.response));
  }
  for (const event of events) files.push(render(`${event.subject}.json`, event.subject, event.payload));
  return files.sort((a, b) => a.fileName.localeCompare(b.fileName));
}

function render(fileName: string, subject: string, schema: z.ZodType): SchemaFile {
  const document = { title: subject, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) };
  return { fileName, content: `${JSON.stringify(document, null, 2)}\n` };
}
