import { AppError, errorCodeOf } from '@ironcurtain/errors';
import { loadPolicyDirectory, PolicyErrorCode, type LoadedPolicy } from '@ironcurtain/policy-engine';

/**
 * The engine's `loadPolicyDirectory`, with its errors (one `file: json.path: problem` line each) introduced by the
 * folder they are about, so a command that was given no `--policy-dir` still says which policy it read.
 */
export async function loadPolicyFolder(directory: string): Promise<LoadedPolicy> {
  try {
    return await loadPolicyDirectory(directory);
  } catch (error) {
    if (errorCodeOf(error) !== PolicyErrorCode.PolicyInvalid) throw error;
    const problems = (error as Error).message
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n');
    throw new AppError(
      PolicyErrorCode.PolicyInvalid,
      `the policy in ${directory} is not valid:\n${problems}`,
      {
        cause: error,
      },
    );
  }
}
