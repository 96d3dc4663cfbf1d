// The environment `ironcurtain up` gives each service child: config.json's share, then the supervisor's environment
// for that service, then the supervisor's own settings, then the NATS login; and no secret of another service.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { resolveUserConfig, serviceSettingsOf, userConfigSchema } from '@ironcurtain/user-config';
import {
  secretsByService,
  serviceEnvironment,
  stackServiceNames,
  type ServiceLaunchSettings,
} from '../src/domain/stack/stack-services.js';

const everyKey = userConfigSchema.parse(
  JSON.parse(
    await readFile(
      new URL('../../../libs/user-config/test/fixtures/every-key.json', import.meta.url),
      'utf8',
    ),
  ),
);
const configured = serviceSettingsOf(resolveUserConfig(everyKey));
const nats = { url: 'nats://127.0.0.1:4222', user: 'svc', password: 'nats-password' };
const launchWith = (extra: Partial<ServiceLaunchSettings> = {}): ServiceLaunchSettings => ({
  logLevel: 'info',
  home: '/home/a/.ironcurtain',
  inherited: { PATH: '/usr/bin', HOME: '/home/a' },
  configured,
  ...extra,
});

describe('service environments of the local stack', () => {
  it("starts from the service's share of config.json", () => {
    const router = serviceEnvironment(nats, launchWith(), 'escalation-router');
    expect(router).toMatchObject({
      ESCALATION_TIMEOUT_SECONDS: '45',
      ESCALATION_AUTO_APPROVE: 'true',
      ESCALATION_AUTO_APPROVE_MODEL: 'openai:gpt-4.1-nano',
    });
    expect(serviceEnvironment(nats, launchWith(), 'audit-writer')['AUDIT_REDACTION']).toBe('off');
    expect(serviceEnvironment(nats, launchWith(), 'session-orchestrator')).toMatchObject({
      ORCH_BUDGET_STEPS: '3',
      ORCH_BUDGET_WARN_PERCENT: '50',
      ORCH_AGENT_CPUS: '1',
    });
  });

  it("lets the supervisor's environment win over the file, an empty variable counting as unset", () => {
    const launch = launchWith({
      secrets: {
        ESCALATION_TIMEOUT_SECONDS: '120',
        ESCALATION_AUTO_APPROVE: '',
        ANTHROPIC_API_KEY: 'sk-ant-from-environment',
        OPENAI_API_KEY: '',
      },
    });
    const router = serviceEnvironment(nats, launch, 'escalation-router');
    expect(router['ESCALATION_TIMEOUT_SECONDS']).toBe('120');
    expect(router['ESCALATION_AUTO_APPROVE']).toBe('true');
    const egress = serviceEnvironment(nats, launch, 'mitm-egress');
    expect(egress['ANTHROPIC_API_KEY']).toBe('sk-ant-from-environment');
    expect(egress['OPENAI_API_KEY']).toBe('fixture-openai-key-not-real');
  });

  it("lets the supervisor's own settings win over both, and the NATS login and home over everything", () => {
    const launch = launchWith({
      secrets: { EGRESS_PORT: '9999', ORCH_EGRESS_URL: 'http://elsewhere:1' },
      settings: { 'mitm-egress': { EGRESS_PORT: '40123' } },
      configured: {
        ...configured,
        'mitm-egress': { ...configured['mitm-egress'], NATS_URL: 'nats://evil:1' },
      },
    });
    const egress = serviceEnvironment(nats, launch, 'mitm-egress');
    expect(egress['EGRESS_PORT']).toBe('40123');
    expect(egress).toMatchObject({
      NATS_URL: nats.url,
      NATS_USER: 'svc',
      NATS_PASSWORD: 'nats-password',
      IRONCURTAIN_HOME: '/home/a/.ironcurtain',
      IRONCURTAIN_SUPERVISED: '1',
      PATH: '/usr/bin',
    });
    expect(serviceEnvironment(nats, launch, 'session-orchestrator')['ORCH_EGRESS_URL']).toBe(
      'http://elsewhere:1',
    );
  });

  it('passes nothing else of the supervisor, and no secret to a service it does not belong to', () => {
    const secrets = {
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      GEMINI_API_KEY: 'gemini-from-environment',
      MCPGW_SERVER_CREDENTIALS: '{"github":{"GITHUB_PERSONAL_ACCESS_TOKEN":"from-environment"}}',
    };
    // Even a share that wrongly held another service's secret would not pass it on.
    const leaky = { ...configured, 'audit-writer': { AUDIT_REDACTION: 'off', OPENAI_API_KEY: 'leak' } };
    const launch = launchWith({ secrets, configured: leaky });
    for (const name of stackServiceNames) {
      const environment = serviceEnvironment(nats, launch, name);
      expect(Object.values(environment)).not.toContain('aws-secret');
      for (const [owner, variables] of Object.entries(secretsByService)) {
        if (owner === name) continue;
        for (const variable of variables)
          expect(environment, `${variable} in ${name}`).not.toHaveProperty(variable);
      }
    }
    expect(serviceEnvironment(nats, launch, 'mitm-egress')['GEMINI_API_KEY']).toBe('gemini-from-environment');
    expect(serviceEnvironment(nats, launch, 'mcp-gateway')['MCPGW_SERVER_CREDENTIALS']).toContain(
      'from-environment',
    );
    expect(serviceEnvironment(nats, launch)).not.toHaveProperty('AUDIT_REDACTION');
  });

  it('keeps secretsByService consistent with what user-config hands out', () => {
    expect(secretsByService['mitm-egress']).toEqual(
      expect.arrayContaining([
        'ANTHROPIC_API_KEY',
        'OPENAI_API_KEY',
        'GOOGLE_API_KEY',
        'GEMINI_API_KEY',
        'OPENAI_COMPATIBLE_API_KEY',
      ]),
    );
    expect(secretsByService['mcp-gateway']).toEqual(['MCPGW_SERVER_CREDENTIALS']);
  });
});
