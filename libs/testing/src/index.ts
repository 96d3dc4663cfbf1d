export { startNats, stopProcess } from './nats-server.js';
export type { NatsServerHandle, StartNatsOptions } from './nats-server.js';
export { eventually } from './eventually.js';
