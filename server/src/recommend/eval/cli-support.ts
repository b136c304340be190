import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'

/**
 * A path as the user typed it: pnpm runs workspace scripts from the package folder, so
 * relative paths are resolved against the directory the command was started in (INIT_CWD).
 */
export function userPath(path: string): string {
  const resolved = isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path)
  if (!existsSync(resolved))
    throw new CliError(`no such file or directory: ${path} (looked at ${resolved})`)
  return resolved
}

export class CliError extends Error {}

/** Runs a CLI body; expected failures print one line to stderr and exit 1 instead of a stack. */
export function runCli(main: () => void): void {
  try {
    main()
  }
  catch (error) {
    if (!(error instanceof CliError))
      throw error
    process.stderr.write(`error: ${error.message}\n`)
    process.exit(1)
  }
}
