import { describe, expect, it } from 'vitest';
import { createUser } from '@nats-io/nkeys';
import {
  composeEnvValue,
  composeSettingsOf,
  mergeComposeEnv,
} from '../src/domain/deploy/compose-env-file.js';
import { renderDeployNatsConfig } from '../src/domain/deploy/deploy-nats-config.js';
import { renderNatsPermissions } from '../src/domain/stack/nats-permissions-text.js';

describe('mergeComposeEnv', () => {
  const values = { IRONCURTAIN_DEPLOY_DIR: './.deploy', IRONCURTAIN_UID: '1000', IRONCURTAIN_GID: '1000' };
  const header =
    '# Written by `ironcurtain deploy init`: the deployment, and the settings of config.json (keys included:\n' +
    '# keep this file 0600). A rerun rewrites these lines from config.json and keeps every other line.\n';

  it('writes the variables into a new .env', () => {
    expect(mergeComposeEnv(undefined, values)).toBe(
      header + 'IRONCURTAIN_DEPLOY_DIR=./.deploy\nIRONCURTAIN_UID=1000\nIRONCURTAIN_GID=1000\n',
    );
  });

  it("replaces ours in place, drops their duplicates, and keeps the person's own lines", () => {
    const existing = '# mine\nOPENAI_API_KEY=sk-x\nexport IRONCURTAIN_UID=1\nIRONCURTAIN_UID = 2\n';
    expect(mergeComposeEnv(existing, values)).toBe(
      '# mine\nOPENAI_API_KEY=sk-x\nIRONCURTAIN_UID=1000\n\n' +
        header +
        'IRONCURTAIN_DEPLOY_DIR=./.deploy\nIRONCURTAIN_GID=1000\n',
    );
  });

  it('refuses a value that neither compose version could read back as it is, without repeating it', () => {
    expect(() => mergeComposeEnv(undefined, { IRONCURTAIN_DEPLOY_DIR: './a b\nX=1' })).toThrow(
      /IRONCURTAIN_DEPLOY_DIR cannot be written to \.env/,
    );
    for (const value of ["it's", 'a\\b', 'a\u0007b']) {
      expect(() => composeEnvValue('OPENAI_API_KEY', value)).toThrow(
        /^(?!.*it's)OPENAI_API_KEY cannot be written/,
      );
    }
  });

  it('writes JSON and spaces in single quotes, where neither compose version interpolates $', () => {
    expect(composeEnvValue('SIGNAL_BOT_NUMBER', '+15550001111')).toBe('+15550001111');
    expect(composeEnvValue('MCPGW_SERVER_CREDENTIALS', '{"a":{"B":"c $HOME d"}}')).toBe(
      `'{"a":{"B":"c $HOME d"}}'`,
    );
  });

  it('takes every service share as one set of compose variables', () => {
    expect(
      composeSettingsOf({
        'mitm-egress': { OPENAI_API_KEY: 'k' },
        'audit-writer': { AUDIT_REDACTION: 'off' },
      }),
    ).toEqual({ OPENAI_API_KEY: 'k', AUDIT_REDACTION: 'off' });
  });
});

describe('renderNatsPermissions', () => {
  it('writes allow lists as quoted strings, and an empty list as "nothing"', () => {
    expect(
      renderNatsPermissions({ publish: [], subscribe: ['a.>', '$SRV.PING'], allowResponses: true }),
    ).toBe(
      '{ publish: { allow: [] }, subscribe: { allow: ["a.>","$SRV.PING"] }, allow_responses: { max: 4000, expires: "1h" } }',
    );
  });

  it('refuses a subject that could break out of its string', () => {
    for (const subject of ['a" ] } users = [ { user: x', 'a b', 'a\nb', '#a', 'a\\b']) {
      expect(() => renderNatsPermissions({ publish: [subject], subscribe: [] })).toThrow(/refusing to write/);
    }
  });
});

describe('renderDeployNatsConfig', () => {
  const permissionsOf = () => ({ publish: ['x.v1'], subscribe: ['_INBOX.me.>'], allowResponses: false });

  it('has one nkey user per principal with its permissions, and the compose server settings', () => {
    const key = createUser().getPublicKey();
    const config = renderDeployNatsConfig([{ principal: 'cli', publicKey: key }], { permissionsOf });
    expect(config).toContain(
      `    { nkey: "${key}", permissions: { publish: { allow: ["x.v1"] }, subscribe: { allow: ["_INBOX.me.>"] } } }`,
    );
    expect(config).toMatch(/^listen: 0\.0\.0\.0:4222$/m);
    expect(config).toContain('store_dir: "/data/jetstream"');
  });

  it('refuses anything but a user public key, and a principal name that is not one', () => {
    const seed = new TextDecoder().decode(createUser().getSeed());
    expect(() => renderDeployNatsConfig([{ principal: 'cli', publicKey: seed }], { permissionsOf })).toThrow(
      /not a principal with a NATS user nkey/,
    );
    const key = createUser().getPublicKey();
    expect(() =>
      renderDeployNatsConfig([{ principal: 'cli\n  ]\n}', publicKey: key }], { permissionsOf }),
    ).toThrow(/not a principal/);
  });
});
