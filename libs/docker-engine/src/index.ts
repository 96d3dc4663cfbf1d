export {
  checkEngine,
  createDockerEngine,
  engineUnreachableError,
  isEngineUnreachable,
  type DockerEngine,
} from './docker-engine.js';
