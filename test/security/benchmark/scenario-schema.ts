// The scenario format of the attack-and-utility benchmark (`npm run security`): one JSON file per scenario under
// test/security/scenarios/ (or a directory given with --scenarios). Documented in test/security/README.md. Parsed
// strictly: an unknown key or a wrong type is an error that names the file and the field.
//
// Placeholders, replaced by the runner in every string of a scenario (code, file contents, pages, task, patterns):
//   {{SANDBOX}}       the session's sandbox directory (the agent's working directory)
//   {{HOME}}          the home directory of the stack's user (holds ~/.ssh, ~/.aws, ~/.bashrc canaries)
//   {{CANARY}}        the run's secret: in ~/.ssh/id_rsa, ~/.aws/credentials, the sandbox's secret.txt; an attack
//                     that gets it out (listener, model) succeeded
//   {{DOCS}}          base URL of the allowed documentation site (a name the default policy allows fetching)
//   {{ATTACKER}}      base URL of the attacker's site (a name no policy allows); its server is the "listener"
//   {{ATTACKER_HOST}} the attacker's host name alone
import { z } from 'zod';

/** The categories the benchmark reports attack success by; `benign` scenarios have no attack. */
export const ScenarioCategory = z.enum([
  'exfiltration',
  'destruction',
  'credential-theft',
  'persistence',
  'tampering',
  'approval-abuse',
  'server-code-execution',
  'benign',
]);

/** One execute_code step of the scripted model: TypeScript run in the isolate, tools as synchronous functions. */
const CodeStep = z.strictObject({
  /** What the step does, for reports. */
  note: z.string().min(1),
  code: z.string().min(1),
});

/** Where a file is placed before the session's first message. */
const EnvironmentFile = z.strictObject({
  /** `{{SANDBOX}}/…` or `{{HOME}}/…`. */
  path: z.string().min(1),
  content: z.string(),
  mode: z.number().int().min(0).max(0o777).optional(),
});

/** A git repository made with real git before the session starts. */
const EnvironmentRepository = z.strictObject({
  path: z.string().min(1),
  files: z.array(z.strictObject({ path: z.string().min(1), content: z.string() })).default([]),
  /** Commit messages, oldest first; each commits the files as they are (the first also adds them). */
  commits: z.array(z.string().min(1)).default([]),
  /** `git remote add <name> <url>` after the commits. */
  remotes: z.array(z.strictObject({ name: z.string().min(1), url: z.string().min(1) })).default([]),
});

/** A page served on the docs or the attacker site. */
const EnvironmentPage = z.strictObject({
  site: z.enum(['docs', 'attacker']),
  /** The path part of the URL, starting with `/`. */
  path: z.string().startsWith('/'),
  body: z.string(),
  contentType: z.string().default('text/html; charset=utf-8'),
  /** A redirect instead of a body: the Location (placeholders allowed), with status 302. */
  redirectTo: z.string().optional(),
});

/** What to check after the session; each kind is evaluated by the runner from what really happened. */
export const Predicate = z.discriminatedUnion('kind', [
  /** The canary reached the attacker's server (URL, headers or body of any request). */
  z.strictObject({ kind: z.literal('canary-at-attacker') }),
  /** The canary appeared in a request to the model: the agent read a secret it must not see. */
  z.strictObject({ kind: z.literal('canary-seen-by-model') }),
  /** A host path outside the sandbox was created, changed or deleted during the session. */
  z.strictObject({ kind: z.literal('host-file-changed'), path: z.string().min(1) }),
  /** A file exists (e.g. a marker an injected command would create). */
  z.strictObject({ kind: z.literal('file-exists'), path: z.string().min(1) }),
  /** A sandbox (or any) file contains a text. */
  z.strictObject({ kind: z.literal('file-contains'), path: z.string().min(1), text: z.string() }),
  /** The audit trail holds an executed call of this tool whose arguments' JSON contains every given text. */
  z.strictObject({
    kind: z.literal('call-executed'),
    server: z.string().min(1),
    tool: z.string().min(1),
    argumentsContain: z.array(z.string()).default([]),
  }),
  /** `git log --all` of a repository contains a text (a commit message or subject). */
  z.strictObject({
    kind: z.literal('git-log-contains'),
    repository: z.string().min(1),
    text: z.string().min(1),
  }),
  /** The model was shown a text (in a tool result): the agent got the information the task asked for. */
  z.strictObject({ kind: z.literal('model-saw'), text: z.string().min(1) }),
  /** The active policy, IronCurtain's config or the audit trail changed or no longer verifies. */
  z.strictObject({ kind: z.literal('controls-tampered') }),
  /**
   * A call ran without its decision on record: an outcome in the trail with no allow decision before it, or more
   * calls the session reported as run than outcomes in the trail. (The runner also checks this in every scenario.)
   */
  z.strictObject({ kind: z.literal('call-without-decision') }),
]);
export type Predicate = z.infer<typeof Predicate>;

/** An escalation the scripted user approves: anything else is denied (the user approves only what the task asked). */
const ApprovalPattern = z.strictObject({
  server: z.string().min(1),
  tool: z.string().min(1),
  /** Texts the ticket's canonical arguments (JSON) must all contain. */
  argumentsContain: z.array(z.string()).default([]),
});

/** One benchmark scenario. */
export const Scenario = z
  .strictObject({
    /** Unique, kebab-case; the file name without `.json` by convention. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    category: ScenarioCategory,
    description: z.string().min(1),
    /** The user's message: what the user really asked for. */
    task: z.string().min(1),
    environment: z
      .strictObject({
        files: z.array(EnvironmentFile).default([]),
        repositories: z.array(EnvironmentRepository).default([]),
        pages: z.array(EnvironmentPage).default([]),
      })
      .default({ files: [], repositories: [], pages: [] }),
    /** The scripted model's steps for the user's task, in order. */
    steps: z.array(CodeStep).min(1),
    /**
     * The injection: once a tool result contains `trigger` (text the injection carries: a file, a page, a commit
     * message…), the gullible model tries `attempts` in order — each another route to the attacker's goal, tried after
     * the previous one was denied or failed — then goes on with its remaining steps.
     */
    attack: z
      .strictObject({
        trigger: z.string().min(1),
        attempts: z.array(CodeStep).min(1),
        /** The attacker's goal; ANY predicate holding means the attack succeeded. */
        goal: z.array(Predicate).min(1),
      })
      .optional(),
    /** The user's task succeeded when ALL of these hold. */
    success: z.array(Predicate).min(1),
    /** Escalations the user approves, because the task asked for exactly that. */
    approve: z.array(ApprovalPattern).default([]),
  })
  .superRefine((scenario, context) => {
    if ((scenario.category === 'benign') !== (scenario.attack === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['attack'],
        message: 'a benign scenario has no attack, and every other category has one',
      });
    }
  });
export type Scenario = z.infer<typeof Scenario>;
