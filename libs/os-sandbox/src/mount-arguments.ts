import type { SandboxMount } from './sandbox-mount.js';

/** The bubblewrap mount options for a layout; hiding tmpfs are made read-only once everything below is mounted. */
export function mountArguments(mounts: readonly SandboxMount[]): string[] {
  const args: string[] = [];
  const hiddenDirectories: string[] = [];
  for (const mount of mounts) {
    const source = mount.source ?? mount.path;
    switch (mount.kind) {
      case 'read-only':
        args.push('--ro-bind', source, mount.path);
        break;
      case 'read-write':
        args.push('--bind', source, mount.path);
        break;
      case 'symlink':
        args.push('--symlink', source, mount.path);
        break;
      case 'hidden':
        // A bind mount is nodev, so the /dev/null over a hidden file cannot even be opened.
        if (mount.isDirectory === true) hiddenDirectories.push(mount.path);
        args.push(
          ...(mount.isDirectory === true ? ['--tmpfs', mount.path] : ['--ro-bind', '/dev/null', mount.path]),
        );
        break;
      case 'tmpfs':
        args.push('--tmpfs', mount.path);
        break;
      case 'proc':
        args.push('--proc', mount.path);
        break;
      case 'dev':
        args.push('--dev', mount.path);
        break;
    }
  }
  for (const path of hiddenDirectories) args.push('--remount-ro', path);
  return args;
}
