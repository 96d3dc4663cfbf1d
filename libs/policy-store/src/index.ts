export { watchActivePolicy } from './watch-active-policy.js';
