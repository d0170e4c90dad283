import { accessSync, constants, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Kernel pseudo file systems: no place for a database. Node's recursive mkdir spins forever under /proc (each mkdir
 * answers ENOENT), and SQLite fails there with errors that do not say why.
 */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

const codeOf = (error: unknown): string => String((error as { code?: unknown }).code ?? error);

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

const reason = (error: unknown): string => REASONS[codeOf(error)] ?? codeOf(error);

/**
 * Why an SQLite database cannot live at `path` (absolute), or undefined when it can: checked with a bounded number of
 * file-system calls before SQLite opens it, creating the missing directories one level at a time.
 */
export function checkDatabasePath(path: string): string | undefined {
  const absolute = resolve(path);
  const pseudo = (candidate: string): string | undefined => PSEUDO_FILE_SYSTEMS.find((root) => under(candidate, root));
  const named = pseudo(absolute);
  if (named) return `is under ${named}, a kernel pseudo file system; choose a path on a regular disk`;

  // The nearest directory that exists, through symbolic links, must not lead into a pseudo file system either.
  const missing: string[] = [];
  let existing = dirname(absolute);
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) return `${existing} is not a directory`;
      break;
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' || dirname(existing) === existing) return `${existing} cannot be reached: ${reason(error)}`;
      missing.unshift(existing);
      existing = dirname(existing);
    }
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (error) {
    return `${existing} cannot be reached: ${reason(error)}`;
  }
  const linked = pseudo(real);
  if (linked) return `${existing} leads to ${real}, under ${linked}, a kernel pseudo file system; choose a path on a regular disk`;

  for (const directory of missing) {
    try {
      mkdirSync(directory);
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') return `cannot create the directory ${directory}: ${reason(error)}`;
    }
  }
  const directory = dirname(absolute);
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `the directory ${directory} is not writable: ${reason(error)}`;
  }

  let file: ReturnType<typeof statSync>;
  let realFile: string;
  try {
    file = statSync(absolute);
    realFile = realpathSync(absolute);
  } catch (error) {
    return codeOf(error) === 'ENOENT' ? undefined : `cannot be read: ${reason(error)}`;
  }
  const fileLinked = pseudo(realFile);
  if (fileLinked) return `leads to ${realFile}, under ${fileLinked}, a kernel pseudo file system; choose a path on a regular disk`;
  if (file.isDirectory()) return 'is a directory, not a database file';
  if (!file.isFile()) return 'is not a regular file (a device, pipe or socket)';
  try {
    accessSync(absolute, constants.R_OK | constants.W_OK);
  } catch (error) {
    return `cannot be read and written: ${reason(error)}`;
  }
  return undefined;
}
