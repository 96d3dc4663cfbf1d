/** How {@link schemaType} writes a type. */
export interface SchemaTypeOptions {
  /** One property per line with its description as a doc comment (the full interface); default one line. */
  multiline?: boolean;
  /** Indentation of the line the type starts on (multiline only). */
  indent?: string;
}

interface RenderState {
  readonly multiline: boolean;
  readonly indent: string;
  readonly depth: number;
}

type Schema = Readonly<Record<string, unknown>>;

// Deeper schemas are rare in tool inputs and unreadable as one type; cycles through $ref never recurse.
const maximumDepth = 6;

/**
 * A JSON Schema written as a TypeScript-like type: `{ path: string; head?: number }`. Covers what MCP tool
 * schemas use (type, properties, required, items, enum, const, anyOf/oneOf/allOf, additionalProperties, $ref by
 * name); anything else reads as `unknown`.
 */
export function schemaType(schema: unknown, options: SchemaTypeOptions = {}): string {
  return render(schema, { multiline: options.multiline ?? false, indent: options.indent ?? '', depth: 0 });
}

/** Named definitions (`$defs`, `definitions`) of a schema, each as `type Name = …`. */
export function schemaDefinitions(schema: unknown, options: SchemaTypeOptions = {}): string[] {
  if (!isSchema(schema)) return [];
  const definitions = { ...asSchema(schema['definitions']), ...asSchema(schema['$defs']) };
  return Object.entries(definitions).map(
    ([name, definition]) =>
      `type ${name} = ${render(definition, { multiline: options.multiline ?? false, indent: '', depth: 1 })};`,
  );
}

function render(schema: unknown, state: RenderState): string {
  if (schema === false) return 'never';
  if (!isSchema(schema) || state.depth > maximumDepth) return 'unknown';
  if ('const' in schema) return literal(schema['const']);
  if (Array.isArray(schema['enum'])) return union(schema['enum'].map(literal));
  if (typeof schema['$ref'] === 'string') return schema['$ref'].split('/').pop() || 'unknown';
  const variants = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(variants)) return union(variants.map((variant) => render(variant, deeper(state))));
  if (Array.isArray(schema['allOf'])) {
    return schema['allOf'].map((part) => wrap(render(part, deeper(state)))).join(' & ') || 'unknown';
  }
  const type = schema['type'];
  if (Array.isArray(type)) return union(type.map((member) => render({ ...schema, type: member }, state)));
  switch (type) {
    case 'string':
    case 'boolean':
    case 'null':
      return type;
    case 'number':
    case 'integer':
      return 'number';
    case 'array':
      return renderArray(schema, state);
    case 'object':
      return renderObject(schema, state);
    default:
      if (isSchema(schema['properties'])) return renderObject(schema, state);
      if (schema['items'] !== undefined) return renderArray(schema, state);
      return 'unknown';
  }
}

function renderArray(schema: Schema, state: RenderState): string {
  const items = schema['items'] ?? schema['prefixItems'];
  if (Array.isArray(items)) return `[${items.map((item) => render(item, deeper(state))).join(', ')}]`;
  return `${wrap(render(items, deeper(state)))}[]`;
}

function renderObject(schema: Schema, state: RenderState): string {
  const properties = Object.entries(asSchema(schema['properties']));
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const additional = schema['additionalProperties'];
  const inner: RenderState = { ...deeper(state), indent: `${state.indent}  ` };
  const fields = properties.map(([key, property]) => ({
    text: `${propertyKey(key)}${required.has(key) ? '' : '?'}: ${render(property, inner)}`,
    description: isSchema(property) ? describe(property) : undefined,
  }));
  if (isSchema(additional))
    fields.push({ text: `[key: string]: ${render(additional, inner)}`, description: undefined });
  if (fields.length === 0) return additional === false ? '{}' : 'Record<string, unknown>';
  if (!state.multiline) return `{ ${fields.map((field) => field.text).join('; ')} }`;
  const lines = fields.map(
    (field) => `${docComment(field.description, inner.indent)}${inner.indent}${field.text};`,
  );
  return `{\n${lines.join('\n')}\n${state.indent}}`;
}

/** A description and default, written as a doc comment block ending in a newline, or '' when there is neither. */
export function docComment(description: string | undefined, indent: string): string {
  if (description === undefined || description.trim() === '') return '';
  const lines = description.trim().replaceAll('*/', '*\\/').split(/\r?\n/);
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function describe(schema: Schema): string | undefined {
  const description = typeof schema['description'] === 'string' ? schema['description'] : undefined;
  if (!('default' in schema)) return description;
  const defaultText = `default: ${literal(schema['default'])}`;
  return description === undefined ? defaultText : `${description} (${defaultText})`;
}

function deeper(state: RenderState): RenderState {
  return { ...state, depth: state.depth + 1 };
}

function union(members: string[]): string {
  const unique = [...new Set(members)];
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

/** Parenthesises a union or intersection so `[]` or `&` applies to all of it. */
function wrap(type: string): string {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < type.length; index += 1) {
    const character = type[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    if (character === '{' || character === '[' || character === '(' || character === '<') depth += 1;
    if (character === '}' || character === ']' || character === ')' || character === '>') depth -= 1;
    if (depth === 0 && (character === '|' || character === '&')) return `(${type})`;
  }
  return type;
}

function literal(value: unknown): string {
  return JSON.stringify(value) ?? 'unknown';
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown): Schema {
  return isSchema(value) ? value : {};
}
