// The placeholders of the scenario format (scenario-schema.ts), replaced in every string of a scenario.

/** The values the runner gives the placeholders of one scenario. */
export interface PlaceholderValues {
  SANDBOX: string;
  HOME: string;
  CANARY: string;
  DOCS: string;
  ATTACKER: string;
  ATTACKER_HOST: string;
}

const placeholderPattern = /\{\{(SANDBOX|HOME|CANARY|DOCS|ATTACKER_HOST|ATTACKER)\}\}/g;

/** `text` with every known placeholder replaced; other `{{…}}` text stays as it is. */
export function replacePlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(placeholderPattern, (_match, name: keyof PlaceholderValues) => values[name]);
}

/** A copy of `value` (JSON-like: objects, arrays, strings, numbers…) with the placeholders of every string replaced. */
export function withPlaceholders<T>(value: T, values: PlaceholderValues): T {
  if (typeof value === 'string') return replacePlaceholders(value, values) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withPlaceholders(item, values)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withPlaceholders(item, values)]),
    ) as T;
  }
  return value;
}

/** Whether a scenario's text names the canary: the model's own code must find it, never be given it. */
export function namesCanary(text: string): boolean {
  return text.includes('{{CANARY}}');
}
