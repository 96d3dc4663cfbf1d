import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorCodeOf } from '@ironcurtain/errors';
import { loadUserConfig, userConfigPath } from '@ironcurtain/user-config';
import { findJsonSyntaxError } from '../json-syntax.js';
import { ok, problem, warning, type CheckResult } from './doctor-result.js';

/** Checks IRONCURTAIN_HOME (`home`, absolute) and the config.json in it. */
export async function checkHome(home: string): Promise<CheckResult[]> {
  return [await checkHomeDirectory(home), ...(await checkConfigFile(home))];
}

async function checkHomeDirectory(home: string): Promise<CheckResult> {
  const elsewhere = 'or set IRONCURTAIN_HOME to a folder you own';
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(home)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return problem(
        'ironcurtain-home',
        `cannot read ${home}: ${(error as Error).message}`,
        `fix its permissions ${elsewhere}`,
      );
    }
    const ancestor = await nearestExistingAncestor(home);
    if (await isWritable(ancestor))
      return ok('ironcurtain-home', `${home} does not exist yet; it is created on first use`);
    return problem(
      'ironcurtain-home',
      `${home} does not exist and ${ancestor} is not writable`,
      `mkdir -p ${home} ${elsewhere}`,
    );
  }
  if (!isDirectory)
    return problem('ironcurtain-home', `${home} is not a directory`, `move it away ${elsewhere}`);
  if (!(await isWritable(home)))
    return problem('ironcurtain-home', `${home} is not writable`, `chmod u+w ${home} ${elsewhere}`);
  return ok('ironcurtain-home', `${home} exists and is writable`);
}

async function nearestExistingAncestor(path: string): Promise<string> {
  let candidate = dirname(path);
  while (!(await exists(candidate)) && dirname(candidate) !== candidate) candidate = dirname(candidate);
  return candidate;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

// The parse error is located by our own checker: V8's message would quote the text around it, and config.json may
// hold secrets. A file that parses is then checked as `ironcurtain up` reads it (@ironcurtain/user-config): every bad
// key is a problem, every warning (unknown key, a file others can read) a warning.
async function checkConfigFile(home: string): Promise<CheckResult[]> {
  const file = userConfigPath(home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [ok('config', `no ${file}; the defaults apply`)];
    return [problem('config', `cannot read ${file} (${code})`, `check its permissions: chmod u+r ${file}`)];
  }
  const syntaxError = findJsonSyntaxError(text);
  if (syntaxError !== undefined) {
    const where = `line ${syntaxError.line}, column ${syntaxError.column}`;
    return [
      problem(
        'config',
        `${file} is not valid JSON: ${syntaxError.reason} at ${where}`,
        `fix ${file} at ${where}, or move it away to use the defaults`,
      ),
    ];
  }
  try {
    const loaded = await loadUserConfig(home);
    const warnings = loaded.warnings.map((text) => warning('config', text, configFix(file)));
    return [ok('config', `${file} is valid`), ...warnings];
  } catch (error) {
    if (errorCodeOf(error) !== 'CONFIG_INVALID') throw error;
    // The error names each bad key on its own line, then how to fix it: one line for the report.
    const lines = (error as Error).message.split('\n').map((line) => line.trim());
    const summary = lines.length > 1 ? lines.slice(0, -1).join(' ') : (lines[0] ?? '');
    return [problem('config', summary, lines.length > 1 ? (lines.at(-1) ?? '') : configFix(file))];
  }
}

function configFix(file: string): string {
  return `edit ${file}, or use \`ironcurtain config\``;
}
