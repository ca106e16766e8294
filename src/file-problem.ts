// One wording for a file that cannot be read, whichever option named it:
// `--inventory fleet.csv: no such file`, `--baseline old.csv: permission denied`.

/** What went wrong, from a Node error code (`ENOENT`...). */
export function readProblem(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot read (${code ?? 'unknown error'})`;
  }
}

/** The code of a caught fs error, if it has one. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
