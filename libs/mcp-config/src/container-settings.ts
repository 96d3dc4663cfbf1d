import { z } from 'zod';

/**
 * The `container` section of a server entry: the server runs in a Docker container from `image`, speaking MCP over
 * its stdin/stdout. It sees no host file and no host port; it is confined by its own settings below.
 */
export const ContainerSettings = z.object({
  /** The image, as `docker run` takes it (`ghcr.io/github/github-mcp-server`, `name:tag`, `name@sha256:…`). */
  image: z.string().min(1),
  /** The command's arguments (the image's entrypoint runs them), e.g. `["stdio"]`. */
  args: z.array(z.string()).default([]),
  /** Environment of the container, besides the server's credentials. */
  env: z.record(z.string(), z.string()).optional(),
  /**
   * The Docker network the container joins. `none` (the default): no network at all. Any other network (e.g.
   * `bridge`) must come with `sandbox.network.allowedDomains`, the hosts the server talks to (the policy's domain
   * gate); Docker itself does not filter by host name.
   */
  network: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
    .default('none'),
  /** The user the server runs as inside the container (`uid[:gid]` or a name); default nobody. */
  user: z.string().min(1).default('65534:65534'),
  /** Memory limit in MiB (no swap beyond it). */
  memoryMb: z.number().int().min(16).default(512),
  /** Most processes and threads the container may hold. */
  pidsLimit: z.number().int().min(8).default(256),
});

/** A parsed `container` section. */
export type ContainerSettings = z.output<typeof ContainerSettings>;
