export { baseServiceEnv, loadEnv } from './load-env.js';
export type { BaseServiceEnv } from './load-env.js';
export { resolveHome } from './home.js';
export { envCommaList, envMilliseconds } from './env-fields.js';
