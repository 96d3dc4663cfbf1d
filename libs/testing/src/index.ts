export { startNats, stopProcess } from './nats/nats-server.js';
export type { NatsServerHandle, StartNatsOptions } from './nats/nats-server.js';
export { startNatsCluster } from './nats/nats-cluster.js';
export type {
  NatsClusterHandle,
  NatsClusterNode,
  NatsClusterNodeSpec,
  StartNatsClusterOptions,
} from './nats/nats-cluster.js';
export { eventually } from './eventually.js';
export { startFakeAnthropic } from './fake-llm/fake-anthropic.js';
export { startFakeOpenAI } from './fake-llm/fake-openai.js';
export { geminiRequestText, startFakeGemini } from './fake-llm/fake-gemini.js';
export { responsesRequestText, startFakeOpenAIResponses } from './fake-llm/fake-openai-responses.js';
export { fakeRequestText } from './fake-llm/fake-llm-server.js';
export type {
  FakeLlmReply,
  FakeLlmRequest,
  FakeLlmRequestBody,
  FakeLlmRespond,
  FakeLlmServer,
  FakeLlmServerOptions,
} from './fake-llm/fake-llm-server.js';
export { roundMilliseconds, summarizeLatencies } from './latency-summary.js';
export type { LatencySummary } from './latency-summary.js';
export { renderInTerminal } from './terminal-screen.js';
export type { RenderedScreen } from './terminal-screen.js';
export { ensureStandInNodeImage, standInNodeImageTag } from './images/stand-in-node-image.js';
export type { StandInNodeImage } from './images/stand-in-node-image.js';
export { withFileLock } from './file-lock.js';
export { ensureStandInNatsImage, standInNatsImageTag } from './images/stand-in-nats-image.js';
export { ensureStandInPostgresImage, standInPostgresImageTag } from './images/stand-in-postgres-image.js';
export { ensureDebianStandIn, standInLabel } from './images/stand-in-debian-image.js';
export type { DebianStandInRecipe, StandInFile, StandInImage } from './images/stand-in-debian-image.js';
export {
  ensureStandInGithubMcpImage,
  readGithubMcpServerTools,
  standInGithubMcpFolder,
  standInGithubMcpRepository,
} from './images/stand-in-github-mcp-image.js';
export type { GithubMcpServerTool, GithubMcpServerTools } from './images/stand-in-github-mcp-image.js';
export { startFakeSignalApi } from './fake-signal/fake-signal-api.js';
export type { FakeSignalApi, FakeSignalSent } from './fake-signal/fake-signal-api.js';
