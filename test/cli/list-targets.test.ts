import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig, systemSecretReader } from '../../src/credentials/config-file.js';
import { planCredentials } from '../../src/credentials/resolve.js';
import type { PollDeps } from '../../src/poll/poll-unit.js';
import { captureIo } from '../helpers/capture-io.js';

// --list-targets: every target with where its credentials come from, as text, CSV or JSON;
// nothing sent, no secret read or shown, and a profile whose key is not set yet does not stop it.

const dir = mkdtempSync(join(tmpdir(), 'ats-list-'));
const config = join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    defaultProfile: 'dc1',
    profiles: {
      dc1: { version: '2c', communityEnv: 'TEST_DC1_COMMUNITY' },
      secure: { version: '3', level: 'authPriv', user: 'audit', authProtocol: 'sha256', authKeyEnv: 'TEST_V3_AUTH', privProtocol: 'aes', privKeyEnv: 'TEST_V3_PRIV' },
    },
  }),
);
const inventory = join(dir, 'fleet.csv');
writeFileSync(inventory, 'host,profile,community,name,site\n10.0.0.1,secure,,r01,DC1\n10.0.0.2,,rowsecret,r02,DC1\n10.0.0.3,,,r03,DC2\n');

const nothingSent = () => {
  const calls: string[] = [];
  const deps: PollDeps = {
    resolve: (h) => {
      calls.push(h);
      throw new Error('sent');
    },
    open: () => {
      calls.push('open');
      throw new Error('sent');
    },
  };
  return { deps, calls };
};

async function list(extra: string[], env: NodeJS.ProcessEnv = {}) {
  const cap = captureIo({ env });
  const spy = nothingSent();
  const code = await main(['--config', config, '-i', inventory, '10.0.0.9', '--list-targets', ...extra], cap.io, spy.deps);
  return { code, out: cap.stdout(), err: cap.stderr(), calls: spy.calls };
}

describe('--list-targets', () => {
  it('shows each target with its credential source, and does not fail on profiles whose secrets are unset', async () => {
    const r = await list([]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.out).toContain('10.0.0.1:161  (r01, DC1)  from ' + `${inventory}:2`);
    expect(r.out).toContain(`credentials: profile "secure" from ${inventory}:2: SNMPv3 authPriv sha256/aes, user "audit", auth key from $TEST_V3_AUTH (not set: this profile cannot be used yet)`);
    expect(r.out).toContain(`credentials: community from ${inventory}:3 (SNMPv2c)`);
    expect(r.out).toContain(`credentials: profile "dc1" from defaultProfile in ${config}: SNMPv2c, community from $TEST_DC1_COMMUNITY (not set`);
    expect(r.out).not.toContain('rowsecret');
    expect(r.err).toContain('4 target(s); nothing sent (--list-targets)');
  });

  it('says a variable is set without showing its value', async () => {
    const r = await list([], { TEST_V3_AUTH: 'authkey-value-1', TEST_V3_PRIV: 'privkey-value-2', TEST_DC1_COMMUNITY: 'dc1-secret' });
    expect(r.out).toContain('auth key from $TEST_V3_AUTH, priv key from $TEST_V3_PRIV');
    for (const secret of ['authkey-value-1', 'privkey-value-2', 'dc1-secret', 'rowsecret']) expect(r.out + r.err).not.toContain(secret);
  });

  it('honours -f csv and -f json', async () => {
    const csv = await list(['-f', 'csv']);
    const rows = parse(csv.out, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((x) => `${x.host}:${x.port}`)).toEqual(['10.0.0.9:161', '10.0.0.1:161', '10.0.0.2:161', '10.0.0.3:161']);
    expect(Object.keys(rows[0]!)).toEqual(['host', 'port', 'name', 'site', 'origin', 'credentials']);
    expect(rows[1]!.credentials).toMatch(/^profile "secure" from /);
    const json = JSON.parse((await list(['-f', 'json'])).out) as { tool: string; targets: Array<Record<string, unknown>> };
    expect(json.tool).toBe('ats-audit');
    expect(json.targets[2]).toEqual({ host: '10.0.0.2', port: 161, name: 'r02', site: 'DC1', origin: `${inventory}:3`, credentials: `community from ${inventory}:3 (SNMPv2c)` });
  });

  it('refuses a report format that cannot hold a list (exit 2)', async () => {
    const r = await list(['-f', 'prometheus']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--list-targets prints text, csv, json or ndjson, not prometheus');
  });

  it('names the same source the scan would use (resolve.ts) for every step of the precedence', async () => {
    const env = { TEST_V3_AUTH: 'authkey-value-1', TEST_V3_PRIV: 'privkey-value-2', TEST_DC1_COMMUNITY: 'dc1-secret', ATS_AUDIT_COMMUNITY: 'envsecret' };
    const cfg = loadConfig({ path: config, env });
    const cases: Array<{ argv: string[]; row: { profile?: string; community?: string }; expect: RegExp; version: string; community?: string; user?: string }> = [
      { argv: [], row: { profile: 'secure' }, expect: /^profile "secure" from /, version: '3', user: 'audit' },
      { argv: [], row: { community: 'rowsecret' }, expect: /^community from /, version: '2c', community: 'rowsecret' },
      { argv: ['--profile', 'secure'], row: {}, expect: /^profile "secure" from --profile/, version: '3', user: 'audit' },
      { argv: [], row: {}, expect: /^profile "dc1" from defaultProfile/, version: '2c', community: 'dc1-secret' },
      { argv: ['--community', 'clisecret'], row: {}, expect: /^community from --community /, version: '2c', community: 'clisecret' },
    ];
    for (const c of cases) {
      const profile = c.argv[0] === '--profile' ? c.argv[1] : undefined;
      const community = c.argv[0] === '--community' ? c.argv[1] : undefined;
      const plan = planCredentials({
        config: cfg,
        defaults: { version: '2c', profile, community: community ? { value: community, from: '--community' } : { value: 'envsecret', from: '$ATS_AUDIT_COMMUNITY' } },
        reader: systemSecretReader(env),
      });
      const got = plan.credentialsFor({ origin: 'fleet.csv:2', ...c.row });
      expect(got.ok).toBe(true);
      if (!got.ok) continue;
      expect(got.credentials.version).toBe(c.version);
      if (c.community) expect(got.credentials).toMatchObject({ community: c.community });
      if (c.user) expect(got.credentials).toMatchObject({ user: c.user });
      const inv = join(dir, `case-${cases.indexOf(c)}.csv`);
      writeFileSync(inv, `host,profile,community\n10.1.1.1,${c.row.profile ?? ''},${c.row.community ?? ''}\n`);
      const cap = captureIo({ env });
      await main(['--config', config, '-i', inv, '--list-targets', '-f', 'json', ...c.argv], cap.io, nothingSent().deps);
      const listed = JSON.parse(cap.stdout()) as { targets: Array<{ credentials: string }> };
      expect(listed.targets[0]!.credentials, JSON.stringify(c)).toMatch(c.expect);
    }
  });
});

describe('--list-targets with a profile the config does not have', () => {
  it('lists every target but names the line and exits 2, as a scan would', async () => {
    const inv = join(dir, 'unknown-profile.csv');
    writeFileSync(inv, 'host,profile\n10.0.0.1,nosuch\n10.0.0.2,\n');
    const cap = captureIo();
    const code = await main(['--config', config, '-i', inv, '--list-targets'], cap.io, nothingSent().deps);
    expect(code).toBe(2);
    expect(cap.stderr()).toContain(`${inv}:2: unknown profile "nosuch" (not in ${config})`);
    expect(cap.stdout()).toContain('10.0.0.2:161');
  });
});
