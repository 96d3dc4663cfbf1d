import { braveProvider } from './brave.js';
import type { SearchProvider } from './search-provider.js';
import { serpapiProvider } from './serpapi.js';
import { tavilyProvider } from './tavily.js';

/** The supported providers, in the order the first one with a key is chosen. */
export const searchProviders: readonly SearchProvider[] = [braveProvider, tavilyProvider, serpapiProvider];

/** The id of a supported provider: brave, tavily or serpapi. */
export type SearchProviderId = SearchProvider['id'];
