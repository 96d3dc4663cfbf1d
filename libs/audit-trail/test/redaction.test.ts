// The redaction corpus: one or more real-shaped (synthetic) secrets per rule, and near-misses that must stay as they
// are. Every secret below is made up; none is a live credential.
import { describe, expect, it } from 'vitest';
import {
  passesLuhn,
  redactionRules,
  redactRecordInput,
  redactText,
  redactTextWithRules,
  redactValue,
  type AuditRecordInputValue,
} from '@ironcurtain/audit-trail';

const openAiLegacy = 'sk-A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4';
const openAiProject = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Zz0Yx9Wv8Ut7Sr6';
const anthropic = 'sk-ant-api03-Xy7Zw6Vu5Ts4Rq3Po2Nm1Lk0Jh9Gf8Ed7Cb6Aa5-_Bc4De3Fg2Hi1AA';
const jwt =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const pemBody =
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n';

// [rule, input, expected output]
const secrets: ReadonlyArray<readonly [string, string, string]> = [
  ['openai-key', `key=${openAiLegacy}`, 'key=sk-[REDACTED:openai-key]'],
  ['openai-key', `OPENAI_API_KEY="${openAiProject}"`, 'OPENAI_API_KEY="sk-proj-[REDACTED:openai-key]"'],
  ['anthropic-key', `x-api-key: ${anthropic}`, 'x-api-key: sk-ant-[REDACTED:anthropic-key]'],
  ['github-token', 'ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6 pushed', 'ghp_[REDACTED:github-token] pushed'],
  ['github-token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a', 'gho_[REDACTED:github-token]'],
  ['github-token', 'token ghs_16C7e42F292c6912E7710c838347Ae178B4a.', 'token ghs_[REDACTED:github-token].'],
  [
    'github-fine-grained-token',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV',
    'github_pat_[REDACTED:github-fine-grained-token]',
  ],
  ['slack-token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-[REDACTED:slack-token]'],
  ['slack-token', 'hook xoxp-2222-3333-4444-abcdef0123', 'hook xoxp-[REDACTED:slack-token]'],
  ['slack-token', 'xoxa-2-1234567890-abcdef', 'xoxa-[REDACTED:slack-token]'],
  ['slack-token', 'xoxs-1234567890-x', 'xoxs-[REDACTED:slack-token]'],
  ['slack-token', 'xoxr-9876543210abc', 'xoxr-[REDACTED:slack-token]'],
  ['slack-token', 'xoxo-9876543210abc', 'xoxo-[REDACTED:slack-token]'],
  [
    'aws-access-key-id',
    'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    'aws_access_key_id = AKIA[REDACTED:aws-access-key-id]',
  ],
  ['aws-access-key-id', 'ASIAY34FZKBOKMUTVV7A,', 'ASIA[REDACTED:aws-access-key-id],'],
  [
    'google-api-key',
    'maps?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&x=1',
    'maps?key=AIza[REDACTED:google-api-key]&x=1',
  ],
  ['stripe-live-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_[REDACTED:stripe-live-key]'],
  [
    'stripe-live-key',
    'restricted rk_live_51H8abcdEFGH1234ijkl',
    'restricted rk_live_[REDACTED:stripe-live-key]',
  ],
  ['jwt', `token=${jwt}; path=/`, 'token=[REDACTED:jwt]; path=/'],
  [
    'pem-private-key',
    `a\n-----BEGIN RSA PRIVATE KEY-----\n${pemBody}-----END RSA PRIVATE KEY-----\nb`,
    'a\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:pem-private-key]\n-----END RSA PRIVATE KEY-----\nb',
  ],
  [
    'pem-private-key',
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody}-----END OPENSSH PRIVATE KEY-----`,
    '-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED:pem-private-key]\n-----END OPENSSH PRIVATE KEY-----',
  ],
  [
    'pem-private-key',
    `cut off: -----BEGIN PRIVATE KEY-----\n${pemBody}`,
    'cut off: -----BEGIN PRIVATE KEY-----\n[REDACTED:pem-private-key]\n',
  ],
  [
    'pem-private-key',
    `cut off, then prose: -----BEGIN PRIVATE KEY-----\n${pemBody}and the text after it stays.`,
    'cut off, then prose: -----BEGIN PRIVATE KEY-----\n[REDACTED:pem-private-key]\nand the text after it stays.',
  ],
  [
    'pem-private-key',
    `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n${pemBody}-----END RSA PRIVATE KEY-----`,
    '-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:pem-private-key]\n-----END RSA PRIVATE KEY-----',
  ],
  [
    'pem-private-key',
    `KEY="-----BEGIN PRIVATE KEY-----\\n${pemBody.replaceAll('\n', '\\n')}-----END PRIVATE KEY-----\\n" # escaped`,
    'KEY="-----BEGIN PRIVATE KEY-----\\n[REDACTED:pem-private-key]\\n-----END PRIVATE KEY-----\\n" # escaped',
  ],
  [
    'pem-private-key',
    `-----BEGIN EC PRIVATE KEY-----\n${pemBody}-----END EC PRIVATE KEY-----\nkeep: -----END EC PRIVATE KEY-----`,
    '-----BEGIN EC PRIVATE KEY-----\n[REDACTED:pem-private-key]\n-----END EC PRIVATE KEY-----\nkeep: -----END EC PRIVATE KEY-----',
  ],
  [
    'authorization-header',
    'Authorization: Bearer abc.DEF-123_456~xyz',
    'Authorization: Bearer [REDACTED:authorization-header]',
  ],
  [
    'authorization-header',
    `curl -H "authorization: bearer ${jwt}"`,
    'curl -H "authorization: bearer [REDACTED:authorization-header]"',
  ],
  [
    'authorization-header',
    'Authorization: Basic dXNlcjpwYXNzd29yZA==',
    'Authorization: Basic [REDACTED:authorization-header]',
  ],
  ['credit-card', 'card 4111 1111 1111 1111 exp', 'card 4111 **** **** 1111 exp'],
  ['credit-card', 'mc:5555555555554444', 'mc:5555********4444'],
  ['credit-card', 'amex 3782-822463-10005', 'amex 3782-******-*0005'],
  ['credit-card', 'discover 6011-1111-1111-1117.', 'discover 6011-****-****-1117.'],
  ['credit-card', '4242424242424242428', '4242***********2428'],
  ['us-ssn', 'ssn 123-45-6789', 'ssn ***-**-6789'],
  ['us-ssn', 'SSN: 078 05 1120;', 'SSN: ***-**-1120;'],
  ['us-ssn', '899-99-9999', '***-**-9999'],
];

// Inputs that look close to a secret but are not one: they must come out exactly as they went in.
const nearMisses: ReadonlyArray<readonly [string, string]> = [
  ['card failing Luhn', 'card 4111 1111 1111 1112'],
  ['card failing Luhn, no separators', '5555555555554445'],
  ['too short for a card (12 digits)', '411111111116'],
  ['too long for a card (20 digits)', '41111111111111111113'],
  ['card digits inside a longer number', '94111111111111111'],
  ['card digits joined by dots', '4111.1111.1111.1111'],
  ['SSN area 000', '000-12-3456'],
  ['SSN area 666', '666-12-3456'],
  ['SSN area 900+', '900-12-3456'],
  ['SSN group 00', '123-00-4567'],
  ['SSN serial 0000', '123-45-0000'],
  ['SSN mixed separators', '123-45 6789'],
  ['SSN with one digit too many', '123-45-67890'],
  ['phone number', 'call 555-123-4567'],
  ['ISO date', '2026-11-24'],
  ['nine digits without separators', '123456789'],
  ['short sk- id', 'sk-short'],
  ['sk- in a kebab-case word', 'pip install sk-learn-compatible-estimator-wrapper'],
  ['sk- inside a word', 'task-A1b2C3d4E5f6G7h8I9j0K1l2M3'],
  ['Stripe test key (only live keys are secrets here)', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'],
  ['short ghp_', 'ghp_short'],
  ['unknown GitHub prefix', 'ghx_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'],
  ['short github_pat_', 'github_pat_abc'],
  ['unknown Slack prefix', 'xoxz-123456789012-abcdef'],
  ['short Slack token', 'xoxb-12'],
  ['short AKIA', 'AKIA1234'],
  ['lowercase akia', 'akiaiosfodnn7example'],
  ['AKIA followed by more', 'AKIAIOSFODNN7EXAMPLEX'],
  ['short AIza', 'AIzaShort'],
  ['one JWT segment', 'eyJhbGciOiJIUzI1NiJ9'],
  ['public key', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----'],
  ['certificate', '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----'],
  ['bearer in prose', 'the Bearer of this letter is a friend'],
  ['authorization without credentials', 'Authorization: required'],
  ['hex digest', 'sha256 0f4e2a9c1b7d3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a3b'],
  ['UUID', '123e4567-e89b-12d3-a456-426614174000'],
  ['plain text', 'Read the file notes.md and summarise it.'],
  // A BEGIN marker is not a key: the text after it is not key material and stays (issue 13).
  [
    'PEM BEGIN marker followed by prose',
    '-----BEGIN RSA PRIVATE KEY-----\nThe rest of this file is what ran.\nrm -rf / is not in it.\n',
  ],
  ['PEM BEGIN marker at the end of a commit message', 'Fix the build -----BEGIN OPENSSH PRIVATE KEY-----'],
  [
    'PEM BEGIN and END around text that is not base64',
    '-----BEGIN PRIVATE KEY-----\nHello\nworld, this stays\n-----END PRIVATE KEY-----',
  ],
  ['PEM BEGIN marker, short lines, no END', '-----BEGIN PRIVATE KEY-----\nshort\nlines\nonly\n'],
];

describe('redaction corpus', () => {
  it.each(secrets)('%s: %j', (rule, input, expected) => {
    expect(redactionRules.map((each) => each.name)).toContain(rule);
    expect(redactText(input)).toBe(expected);
  });

  it.each(nearMisses)('leaves alone: %s', (_name, input) => {
    expect(redactText(input)).toBe(input);
  });

  it('is idempotent: redacted text has nothing left to redact', () => {
    for (const [, input] of secrets) {
      const once = redactText(input);
      expect(redactText(once)).toBe(once);
    }
  });

  it('keeps millisecond timestamps that pass Luhn (no card starts with 1)', () => {
    let timestamp = 1_764_000_000_000;
    while (!passesLuhn(String(timestamp))) timestamp += 1;
    expect(redactText(`at ${timestamp}`)).toBe(`at ${timestamp}`);
    expect(redactValue({ at: timestamp })).toEqual({ at: timestamp });
  });

  it('stops every rule at the end of its own pattern: what follows a PEM BEGIN marker survives', () => {
    const tail = `\n${'All of this text came after the marker, and every word of it is kept.\n'.repeat(200)}`;
    const text = `notes\n-----BEGIN RSA PRIVATE KEY-----${tail}`;
    expect(redactText(text)).toBe(text);
    const keyThenTail = `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}-----END RSA PRIVATE KEY-----${tail}`;
    expect(redactText(keyThenTail)).toBe(
      `-----BEGIN RSA PRIVATE KEY-----\n[REDACTED:pem-private-key]\n-----END RSA PRIVATE KEY-----${tail}`,
    );
  });

  it('bounds every rule, and stays fast on hostile text', () => {
    const startedAt = performance.now();
    const hostile = [
      `-----BEGIN PRIVATE KEY-----\n${`${'A'.repeat(39)}\n`.repeat(20_000)}`,
      '-----BEGIN PRIVATE KEY-----'.repeat(20_000),
      `sk-ant-${'a1'.repeat(500_000)}`,
      `Authorization: Bearer ${'a'.repeat(1_000_000)}`,
      `eyJ${'a'.repeat(500_000)}.eyJ${'b'.repeat(500_000)}.c`,
      '4'.repeat(1_000_000),
    ];
    for (const text of hostile) redactText(text);
    expect(performance.now() - startedAt).toBeLessThan(2000);
    // A token longer than any real one is cut at the rule's bound: the rest is not swallowed with it.
    expect(redactText(`sk-ant-${'a1'.repeat(300)}`)).toBe(
      `sk-ant-[REDACTED:anthropic-key]${'a1'.repeat(44)}`,
    );
  });

  it('names the rules that fired', () => {
    expect(redactTextWithRules(`${anthropic} 4111111111111111 plain`)).toEqual({
      text: 'sk-ant-[REDACTED:anthropic-key] 4111********1111 plain',
      rules: ['anthropic-key', 'credit-card'],
    });
    expect(redactTextWithRules('nothing here')).toEqual({ text: 'nothing here', rules: [] });
  });

  it('finds several secrets in one string', () => {
    expect(redactText(`${openAiLegacy} and 123-45-6789 and 4111111111111111`)).toBe(
      'sk-[REDACTED:openai-key] and ***-**-6789 and 4111********1111',
    );
  });
});

describe('redactValue', () => {
  it('walks objects and arrays, keeps keys and non-secret values', () => {
    const value = {
      path: '/tmp/a.txt',
      count: 3,
      isForced: true,
      nothing: null,
      headers: { Authorization: 'Bearer opaque-token-1', 'Proxy-Authorization': 'Basic dXNlcjpwYXNz' },
      list: ['ok', `token ${openAiLegacy}`, { nested: ['123-45-6789'] }],
      cardAsNumber: 4111111111111111,
      otherNumber: 4111111111111112,
    };
    expect(redactValue(value)).toEqual({
      path: '/tmp/a.txt',
      count: 3,
      isForced: true,
      nothing: null,
      headers: {
        Authorization: 'Bearer [REDACTED:authorization-header]',
        'Proxy-Authorization': 'Basic [REDACTED:authorization-header]',
      },
      list: ['ok', 'token sk-[REDACTED:openai-key]', { nested: ['***-**-6789'] }],
      cardAsNumber: '4111********1111',
      otherNumber: 4111111111111112,
    });
  });

  it('does not change its input, and hands back the input itself when there is nothing to redact', () => {
    const value = { secret: openAiLegacy, nested: { path: '/tmp/a' } };
    const redacted = redactValue(value) as typeof value;
    expect(value.secret).toBe(openAiLegacy);
    expect(redacted.nested).toBe(value.nested);
    const clean = { path: '/tmp/a', list: [1, 'two'] };
    expect(redactValue(clean)).toBe(clean);
  });
});

describe('redactRecordInput', () => {
  const common = {
    timestamp: '2026-11-24T12:00:00.000Z',
    requestId: 'call-1',
    sessionId: 'sess-1',
    serverName: 'filesystem',
    toolName: 'write_file',
    policyHash: 'a'.repeat(64),
  };

  it('redacts the arguments and the reason of a decision record, not its identifiers', () => {
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'decision',
      arguments: { path: '/tmp/x', content: `AWS AKIAIOSFODNN7EXAMPLE` },
      policyDecision: { status: 'deny', rule: 'default-deny', reason: `no rule for ${openAiLegacy}` },
    };
    expect(redactRecordInput(input)).toEqual({
      ...input,
      arguments: { path: '/tmp/x', content: 'AWS AKIA[REDACTED:aws-access-key-id]' },
      policyDecision: {
        status: 'deny',
        rule: 'default-deny',
        reason: 'no rule for sk-[REDACTED:openai-key]',
      },
      redactions: [
        { field: '/policyDecision/reason', rule: 'openai-key', action: 'redacted' },
        { field: '/arguments/content', rule: 'aws-access-key-id', action: 'redacted' },
      ],
    });
  });

  it('redacts the error of an outcome record', () => {
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'outcome',
      policyDecision: { status: 'allow', rule: 'allow-write', reason: 'allowed' },
      result: { status: 'error', error: `401 for ${anthropic}` },
      durationMs: 3,
    };
    expect(redactRecordInput(input)).toMatchObject({
      result: { status: 'error', error: '401 for sk-ant-[REDACTED:anthropic-key]' },
    });
  });

  it('redacts the arguments and the message of a gateway refusal', () => {
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'verifier',
      policyDecision: { status: 'deny', rule: 'decision-refused', reason: `replayed for ${openAiLegacy}` },
      refusalId: 'r-1',
      arguments: { path: '/tmp/x', content: 'AWS AKIAIOSFODNN7EXAMPLE' },
      refusal: { reason: 'replayed', message: `already used by ${anthropic}` },
    };
    expect(redactRecordInput(input)).toMatchObject({
      arguments: { content: 'AWS AKIA[REDACTED:aws-access-key-id]' },
      refusal: { reason: 'replayed', message: 'already used by sk-ant-[REDACTED:anthropic-key]' },
      policyDecision: { reason: 'replayed for sk-[REDACTED:openai-key]' },
    });
  });

  // Issue 13: a secret-looking part of a path, URL or remote is flagged, never rewritten into a path that never ran.
  it('never rewrites a path, URL or identifier argument: the rules that matched are listed as kept', () => {
    const path = `/home/user/.ironcurtain/sessions/s/sandbox/${anthropic}/4111 1111 1111 1111.txt`;
    const url = `https://example.com/collect?card=4111111111111111&key=${openAiLegacy}`;
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'decision',
      arguments: { path, content: `key ${anthropic}`, url, owner: 'AKIAIOSFODNN7EXAMPLE', paths: [path] },
      argumentRoles: {
        path: ['write-path'],
        content: ['none'],
        url: ['fetch-url'],
        owner: ['github-owner'],
        paths: ['read-path'],
      },
      policyDecision: { status: 'allow', rule: 'structural-sandbox-allow', reason: 'in the sandbox' },
    };
    const redacted = redactRecordInput(input);
    expect(redacted).toMatchObject({
      arguments: {
        path,
        url,
        owner: 'AKIAIOSFODNN7EXAMPLE',
        paths: [path],
        content: 'key sk-ant-[REDACTED:anthropic-key]',
      },
    });
    expect(redacted.redactions).toEqual([
      { field: '/arguments/path', rule: 'anthropic-key', action: 'kept' },
      { field: '/arguments/path', rule: 'credit-card', action: 'kept' },
      { field: '/arguments/content', rule: 'anthropic-key', action: 'redacted' },
      { field: '/arguments/url', rule: 'openai-key', action: 'kept' },
      { field: '/arguments/url', rule: 'credit-card', action: 'kept' },
      { field: '/arguments/owner', rule: 'aws-access-key-id', action: 'kept' },
      { field: '/arguments/paths/0', rule: 'anthropic-key', action: 'kept' },
      { field: '/arguments/paths/0', rule: 'credit-card', action: 'kept' },
    ]);
  });

  it('redacts an argument with only opaque roles, or none, and an argument the roles do not name', () => {
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'decision',
      arguments: { message: `commit ${anthropic}`, 'a/b~c': anthropic, path: anthropic },
      argumentRoles: { message: ['commit-message'], path: ['not-a-role'] },
      policyDecision: { status: 'allow', rule: 'r', reason: 'ok' },
    };
    expect(redactRecordInput(input)).toMatchObject({
      arguments: {
        message: 'commit sk-ant-[REDACTED:anthropic-key]',
        'a/b~c': 'sk-ant-[REDACTED:anthropic-key]',
        path: 'sk-ant-[REDACTED:anthropic-key]',
      },
      redactions: [
        { field: '/arguments/message', rule: 'anthropic-key', action: 'redacted' },
        { field: '/arguments/a~1b~0c', rule: 'anthropic-key', action: 'redacted' },
        { field: '/arguments/path', rule: 'anthropic-key', action: 'redacted' },
      ],
    });
  });

  it('lists only its own redactions: none when nothing fired, never one the producer sent', () => {
    const input: AuditRecordInputValue = {
      ...common,
      kind: 'decision',
      arguments: { path: '/tmp/x' },
      policyDecision: { status: 'allow', rule: 'r', reason: 'ok' },
      redactions: [{ field: '/arguments/path', rule: 'forged', action: 'redacted' }],
    };
    expect(redactRecordInput(input)).not.toHaveProperty('redactions');
  });
});
