export {
  agentsDirectory,
  agentsDirectoryVariable,
  baseFolder,
  listAgentImageFolders,
  type AgentImageOptions,
} from './agent-folders.js';
export {
  agentImageTag,
  defineImage,
  fromImageOf,
  imageRepository,
  type ImageDefinition,
} from './agent-image-tag.js';
export { AgentImageErrorCode, agentImageLabels, type BuildProgress } from './build-image.js';
export { ensureAgentImage, type EnsureAgentImageOptions } from './ensure-agent-image.js';
export { imageStatus, type AgentImageState, type AgentImageStatus } from './image-status.js';
