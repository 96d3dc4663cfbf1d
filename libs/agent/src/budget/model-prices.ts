/** What a model costs, in US dollars per million tokens. */
export interface ModelPrice {
  readonly inputPerMillionUsd: number;
  readonly outputPerMillionUsd: number;
}

/**
 * List prices (USD per million input / output tokens) of common models, matched by the longest prefix of the model
 * name, so `claude-sonnet-4-5-20250929` finds `claude-sonnet-4-5` and an unlisted `claude-sonnet-4-7` falls back to
 * `claude-sonnet-4`. Estimates for a budget, not a bill: provider prices change, so callers may pass their own.
 */
export const modelPrices: Readonly<Record<string, ModelPrice>> = {
  // Anthropic
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4': price(15, 75),
  'claude-3-opus': price(15, 75),
  'claude-sonnet-4': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-3-5-sonnet': price(3, 15),
  'claude-haiku-4': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'claude-3-haiku': price(0.25, 1.25),
  // OpenAI
  'gpt-5-nano': price(0.05, 0.4),
  'gpt-5-mini': price(0.25, 2),
  'gpt-5-pro': price(15, 120),
  'gpt-5': price(1.25, 10),
  'gpt-4.1-nano': price(0.1, 0.4),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1': price(2, 8),
  'gpt-4o-mini': price(0.15, 0.6),
  'gpt-4o': price(2.5, 10),
  'gpt-4-turbo': price(10, 30),
  o1: price(15, 60),
  'o1-pro': price(150, 600),
  'o1-mini': price(1.1, 4.4),
  o3: price(2, 8),
  'o3-pro': price(20, 80),
  'o3-mini': price(1.1, 4.4),
  'o4-mini': price(1.1, 4.4),
  // Google (prompts up to 200k tokens; longer ones cost more)
  'gemini-3-pro': price(2, 12),
  'gemini-3-flash': price(0.5, 3),
  'gemini-2.5-pro': price(1.25, 10),
  'gemini-2.5-flash-lite': price(0.1, 0.4),
  'gemini-2.5-flash': price(0.3, 2.5),
  'gemini-2.0-flash-lite': price(0.075, 0.3),
  'gemini-2.0-flash': price(0.1, 0.4),
  'gemini-1.5-pro': price(1.25, 5),
  'gemini-1.5-flash': price(0.075, 0.3),
};

/**
 * The price counted for a model no table knows: as dear as the dearest common model, so an unknown model
 * exhausts a cost budget early rather than never. Pass `prices` to the budget tracker to correct it.
 */
export const unknownModelPrice: ModelPrice = price(15, 75);

/** Providers that run on the user's own machine and cost nothing per token. */
const localProviders: ReadonlySet<string> = new Set(['ollama']);

/** Provider prefixes stripped from `provider:model` ids before the lookup. */
const providerPrefixes: ReadonlySet<string> = new Set([
  'anthropic',
  'openai',
  'google',
  'ollama',
  'openai-compatible',
]);

/** The price of one model and whether it came from a table (false: {@link unknownModelPrice} or the caller's default). */
export interface PriceLookup {
  readonly price: ModelPrice;
  readonly isKnown: boolean;
}

/**
 * Looks up the price of `model` (`provider:model` or a bare model name; `provider` may also be given apart, as
 * usage events carry it). Local providers (`ollama`) cost nothing. `overrides` (same keys as {@link modelPrices},
 * or full `provider:model` ids) win over the table.
 */
export function lookupModelPrice(
  model: string,
  options: {
    provider?: string;
    overrides?: Readonly<Record<string, ModelPrice>>;
    fallback?: ModelPrice;
  } = {},
): PriceLookup {
  const { provider: prefix, name } = splitModel(model);
  const provider = options.provider ?? prefix;
  const exactOverride = options.overrides?.[model];
  if (exactOverride !== undefined) return { price: exactOverride, isKnown: true };
  const fromOverrides = longestPrefixMatch(name, options.overrides ?? {});
  if (fromOverrides !== undefined) return { price: fromOverrides, isKnown: true };
  if (provider !== undefined && localProviders.has(provider)) return { price: price(0, 0), isKnown: true };
  const fromTable = longestPrefixMatch(name, modelPrices);
  if (fromTable !== undefined) return { price: fromTable, isKnown: true };
  return { price: options.fallback ?? unknownModelPrice, isKnown: false };
}

/**
 * Why a cost budget cannot be enforced for `model`, or undefined when it can: no table (and no caller price) knows
 * the model, so what it spends is an estimate at the fallback price, which may be too low as well as too high. The
 * text is the one `/budget` and the session's first note show: `cost not enforceable: no price known for <model>; …`.
 * Options are those of {@link lookupModelPrice}.
 */
export function costNotEnforceableReason(
  model: string,
  options: Parameters<typeof lookupModelPrice>[1] = {},
): string | undefined {
  const lookup = lookupModelPrice(model, options);
  if (lookup.isKnown) return undefined;
  const { inputPerMillionUsd, outputPerMillionUsd } = lookup.price;
  return (
    `cost not enforceable: no price known for ${model}; its spend is estimated at the fallback ` +
    `$${inputPerMillionUsd} / $${outputPerMillionUsd} per million input / output tokens, which may be too low. ` +
    'Tokens, steps and time limits still apply: rely on those, or use a model whose price is known.'
  );
}

/** Token counts to price. Cache reads cost a tenth of input tokens and cache writes a quarter more. */
export interface PricedTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
}

/** The cost in US dollars of `tokens` at `modelPrice`. */
export function costOfTokens(tokens: PricedTokens, modelPrice: ModelPrice): number {
  const inputEquivalent =
    tokens.inputTokens + 0.1 * (tokens.cacheReadTokens ?? 0) + 1.25 * (tokens.cacheWriteTokens ?? 0);
  return (
    (inputEquivalent * modelPrice.inputPerMillionUsd + tokens.outputTokens * modelPrice.outputPerMillionUsd) /
    1_000_000
  );
}

/** `provider:model` → its provider and model name; a bare name (or an unknown prefix) has no provider. */
function splitModel(model: string): { provider: string | undefined; name: string } {
  const separator = model.indexOf(':');
  const prefix = separator === -1 ? undefined : model.slice(0, separator);
  if (prefix === undefined || !providerPrefixes.has(prefix)) return { provider: undefined, name: model };
  return { provider: prefix, name: model.slice(separator + 1) };
}

/** The model name of `provider:model` (or of a bare name, itself): `openai-compatible:qwen` → `qwen`. */
export function modelNameOf(model: string): string {
  return splitModel(model).name;
}

function longestPrefixMatch(
  name: string,
  table: Readonly<Record<string, ModelPrice>>,
): ModelPrice | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (name.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

function price(inputPerMillionUsd: number, outputPerMillionUsd: number): ModelPrice {
  return { inputPerMillionUsd, outputPerMillionUsd };
}
