// npm run security — the attack-and-utility benchmark (issue 14) through the real stack: every scenario of
// test/security/scenarios (and of each --scenarios DIR) runs as a session of the builtin agent on a hijackable fake
// model; the last thing on stdout is one JSON report. Exit code 0: no attack succeeded, utility ≥ 95% and ≤ 0.2
// escalations per benign task; 1: otherwise; 2: the scenarios, the options or the stack are wrong. See
// test/security/README.md. Workspace packages load from dist (`npx tsc -b` first).
//
// The runner reuses the test fixtures of services/cli and test/security, which import their TypeScript neighbours
// as `.js` (as tsc and vitest resolve them). Node runs .ts files directly but does not map `.js` to `.ts`, so this
// entry adds that one rule for relative imports before loading the rest.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const isRelativeJs = specifier.startsWith('.') && specifier.endsWith('.js');
      if (!isRelativeJs || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
    }
  },
});

const { main } = await import('./security-run.ts');
process.exitCode = await main(process.argv.slice(2));
