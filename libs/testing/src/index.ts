export { startNats, stopProcess } from './nats-server.js';
export type { NatsServerHandle, StartNatsOptions } from './nats-server.js';
export { startNatsCluster } from './nats-cluster.js';
export type {
  NatsClusterHandle,
  NatsClusterNode,
  NatsClusterNodeSpec,
  StartNatsClusterOptions,
} from './nats-cluster.js';
export { eventually } from './eventually.js';
export { startFakeAnthropic } from './fake-anthropic.js';
export { startFakeOpenAI } from './fake-openai.js';
export { responsesRequestText, startFakeOpenAIResponses } from './fake-openai-responses.js';
export { fakeRequestText } from './fake-llm-server.js';
export type {
  FakeLlmReply,
  FakeLlmRequest,
  FakeLlmRequestBody,
  FakeLlmRespond,
  FakeLlmServer,
  FakeLlmServerOptions,
} from './fake-llm-server.js';
export { roundMilliseconds, summarizeLatencies } from './latency-summary.js';
export type { LatencySummary } from './latency-summary.js';
export { renderInTerminal } from './terminal-screen.js';
export type { RenderedScreen } from './terminal-screen.js';
export { ensureStandInNodeImage, standInNodeImageTag } from './stand-in-node-image.js';
export type { StandInNodeImage } from './stand-in-node-image.js';
export { withFileLock } from './file-lock.js';
export { ensureStandInNatsImage, standInNatsImageTag } from './stand-in-nats-image.js';
export { ensureStandInPostgresImage, standInPostgresImageTag } from './stand-in-postgres-image.js';
export { ensureDebianStandIn, standInLabel } from './stand-in-debian-image.js';
export type { DebianStandInRecipe, StandInFile, StandInImage } from './stand-in-debian-image.js';
