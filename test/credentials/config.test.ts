import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configLocation, exposedBy, loadConfig, parseConfig, readPrivateFile, type Config } from '../../src/credentials/config-file.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'ats-audit.config.json');
const tmp = mkdtempSync(join(tmpdir(), 'ats-audit-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` (an object is written as JSON) to a fresh file with that mode; returns its path. */
function file(content: unknown, mode = 0o600, name = `config-${++fileCount}.json`): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  chmodSync(path, mode);
  return path;
}

/** The problems parseConfig reports for `content`, as full messages. */
function problems(content: unknown): string[] {
  try {
    parseConfig(typeof content === 'string' ? content : JSON.stringify(content), 'config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  return [];
}

function profile(body: Record<string, unknown>) {
  return { profiles: { p: body } };
}

const V3_AUTH = { version: '3', level: 'authNoPriv', user: 'audit', authProtocol: 'sha256', authKeyEnv: 'AUTH' };
const V3_PRIV = { ...V3_AUTH, level: 'authPriv', privProtocol: 'aes', privKeyEnv: 'PRIV' };

describe('configLocation', () => {
  const home = '/home/ops';
  it('takes --config first, then $ATS_AUDIT_CONFIG, both explicit', () => {
    const env = { ATS_AUDIT_CONFIG: '/etc/a.json', XDG_CONFIG_HOME: '/x' };
    expect(configLocation({ path: 'mine.json', env, home })).toEqual({ path: 'mine.json', explicit: true, from: '--config' });
    expect(configLocation({ env, home })).toEqual({ path: '/etc/a.json', explicit: true, from: '$ATS_AUDIT_CONFIG' });
  });

  it('then $XDG_CONFIG_HOME when absolute, else ~/.config; neither is explicit', () => {
    expect(configLocation({ env: { XDG_CONFIG_HOME: '/x' }, home })).toEqual({ path: '/x/ats-audit/config.json', explicit: false, from: '$XDG_CONFIG_HOME' });
    expect(configLocation({ env: { XDG_CONFIG_HOME: 'rel' }, home })?.path).toBe('/home/ops/.config/ats-audit/config.json');
    expect(configLocation({ env: { ATS_AUDIT_CONFIG: '' }, home })).toEqual({ path: '/home/ops/.config/ats-audit/config.json', explicit: false, from: 'home' });
  });

  it('gives nothing without a home directory', () => {
    expect(configLocation({ env: {}, home: '' })).toBeUndefined();
  });
});

describe('loadConfig: finding the file', () => {
  it('a missing default file means no profiles, not an error', () => {
    const config = loadConfig({ env: { XDG_CONFIG_HOME: join(tmp, 'nowhere') } });
    expect(config).toMatchObject({ found: false, file: join(tmp, 'nowhere', 'ats-audit', 'config.json'), hasInlineSecrets: false });
    expect(config.profiles.size).toBe(0);
    expect(loadConfig({ env: {}, home: join(tmp, 'no-home') }).found).toBe(false);
  });

  it('a missing file named by --config or $ATS_AUDIT_CONFIG is an error', () => {
    const missing = join(tmp, 'missing.json');
    expect(() => loadConfig({ path: missing, env: {} })).toThrow(`${missing}: no such file (named by --config)`);
    expect(() => loadConfig({ env: { ATS_AUDIT_CONFIG: missing } })).toThrow(`${missing}: no such file (named by $ATS_AUDIT_CONFIG)`);
  });

  it('a directory is not a config file, even at the default place', () => {
    const dir = join(tmp, 'xdg-dir');
    mkdirSync(join(dir, 'ats-audit', 'config.json'), { recursive: true });
    expect(() => loadConfig({ env: { XDG_CONFIG_HOME: dir } })).toThrow(`${join(dir, 'ats-audit', 'config.json')}: is a directory, not a file`);
  });

  it('reads the default file when present', () => {
    const dir = join(tmp, 'xdg-ok');
    mkdirSync(join(dir, 'ats-audit'), { recursive: true });
    writeFileSync(join(dir, 'ats-audit', 'config.json'), JSON.stringify(profile({ version: '2c', communityEnv: 'C' })));
    const config = loadConfig({ env: { XDG_CONFIG_HOME: dir } });
    expect(config.found).toBe(true);
    expect([...config.profiles.keys()]).toEqual(['p']);
  });
});

describe('loadConfig: permissions', () => {
  const inline = profile({ version: '2c', community: 'inline-s3cret' });
  const fromEnv = profile({ version: '2c', communityEnv: 'C' });

  it('refuses a file with inline secrets that group or others can read', () => {
    const path = file(inline, 0o644, 'config.json');
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path} is readable by other users (mode 0644) and holds secrets: chmod 600 ${path}`);
    chmodSync(path, 0o640);
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path} is readable by other users (mode 0640) and holds secrets`);
    chmodSync(path, 0o620);
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path} is writable by other users (mode 0620) and holds secrets`);
    chmodSync(path, 0o601);
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path} is accessible by other users (mode 0601) and holds secrets`);
  });

  it('accepts inline secrets in a private file (0600, 0400)', () => {
    const path = file(inline, 0o600);
    expect(loadConfig({ path, env: {} }).hasInlineSecrets).toBe(true);
    chmodSync(path, 0o400);
    expect(loadConfig({ path, env: {} }).profiles.get('p')).toMatchObject({ version: '2c' });
  });

  it('accepts a readable file that only names variables and files', () => {
    const path = file(fromEnv, 0o644);
    expect(loadConfig({ path, env: {} })).toMatchObject({ found: true, hasInlineSecrets: false });
  });

  it('never trusts a world-writable file, secrets or not', () => {
    const path = file(fromEnv, 0o666);
    expect(() => loadConfig({ path, env: {} })).toThrow(`${path} is writable by every user (mode 0666): chmod go-w ${path}`);
  });

  it('quotes a path with spaces in the chmod hint', () => {
    const path = file(inline, 0o644, 'my config.json');
    expect(() => loadConfig({ path, env: {} })).toThrow(`chmod 600 '${path}'`);
  });

  it('reads the mode of the file it reads (readPrivateFile)', () => {
    const path = file('x\n', 0o604);
    expect(readPrivateFile(path)).toEqual({ ok: true, text: 'x\n', mode: 0o604 });
    expect(readPrivateFile(join(tmp, 'none'))).toEqual({ ok: false, code: 'ENOENT' });
    expect(readPrivateFile(tmp)).toEqual({ ok: false, code: 'EISDIR' });
  });

  it('names what a mode exposes', () => {
    expect([0o600, 0o400, 0o700].map(exposedBy)).toEqual([undefined, undefined, undefined]);
    expect([0o604, 0o660, 0o602, 0o610].map(exposedBy)).toEqual([
      'readable by other users',
      'readable by other users',
      'writable by other users',
      'accessible by other users',
    ]);
  });
});

describe('parseConfig: valid files', () => {
  it('reads every kind of profile and secret source', () => {
    const config = parseConfig(
      JSON.stringify({
        defaultProfile: 'dc1',
        profiles: {
          dc1: { version: '2c', communityEnv: 'DC1_COMMUNITY', description: 'main site' },
          legacy: { version: '1', communityFile: '/etc/ats-audit/legacy.community' },
          rel: { version: '2c', communityFile: 'secrets/rel.community' },
          inline: { version: '2c', community: 'abc' },
          noauth: { version: '3', level: 'noAuthNoPriv', user: 'watch' },
          auth: V3_AUTH,
          secure: { ...V3_PRIV, privKeyEnv: undefined, privKeyFile: '/etc/ats-audit/v3.priv' },
        },
      }),
      '/etc/ats-audit/config.json',
    );
    expect(config.defaultProfile).toBe('dc1');
    expect(config.hasInlineSecrets).toBe(true);
    expect(Object.fromEntries(config.profiles)).toEqual({
      dc1: { name: 'dc1', description: 'main site', version: '2c', community: { field: 'community', at: 'profiles.dc1.communityEnv', source: { from: 'env', variable: 'DC1_COMMUNITY' } } },
      legacy: { name: 'legacy', version: '1', community: { field: 'community', at: 'profiles.legacy.communityFile', source: { from: 'file', path: '/etc/ats-audit/legacy.community' } } },
      rel: { name: 'rel', version: '2c', community: { field: 'community', at: 'profiles.rel.communityFile', source: { from: 'file', path: '/etc/ats-audit/secrets/rel.community' } } },
      inline: { name: 'inline', version: '2c', community: { field: 'community', at: 'profiles.inline.community', source: { from: 'inline', value: 'abc' } } },
      noauth: { name: 'noauth', version: '3', level: 'noAuthNoPriv', user: 'watch' },
      auth: {
        name: 'auth', version: '3', level: 'authNoPriv', user: 'audit', authProtocol: 'sha256',
        authKey: { field: 'authKey', at: 'profiles.auth.authKeyEnv', source: { from: 'env', variable: 'AUTH' } },
      },
      secure: {
        name: 'secure', version: '3', level: 'authPriv', user: 'audit', authProtocol: 'sha256',
        authKey: { field: 'authKey', at: 'profiles.secure.authKeyEnv', source: { from: 'env', variable: 'AUTH' } },
        privProtocol: 'aes',
        privKey: { field: 'privKey', at: 'profiles.secure.privKeyFile', source: { from: 'file', path: '/etc/ats-audit/v3.priv' } },
      },
    });
  });

  it('accepts an empty profile set, a BOM, and no defaultProfile', () => {
    const config = parseConfig('\uFEFF{ "profiles": {} }', 'c.json');
    expect(config).toEqual({ file: 'c.json', found: true, profiles: new Map(), hasInlineSecrets: false });
  });

  it('resolves relative secret files against the config file, not the working directory', () => {
    const config = parseConfig(JSON.stringify(profile({ version: '2c', communityFile: '../s/c' })), '/etc/ats-audit/config.json');
    expect(config.profiles.get('p')).toMatchObject({ community: { source: { from: 'file', path: '/etc/s/c' } } });
  });

  it('the example in docs/config.md is valid', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'config.md'), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const config = parseConfig(block!, '/etc/ats-audit/config.json');
    expect([...config.profiles.keys()]).toEqual(['dc1', 'legacy', 'secure']);
  });

  it('examples/ats-audit.config.json is valid and names no inline secret', () => {
    const config: Config = parseConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(config.hasInlineSecrets).toBe(false);
    expect(config.defaultProfile).toBe('dc1');
    expect([...config.profiles.keys()]).toEqual(['dc1', 'dc2', 'legacy', 'secure', 'lab']);
    expect(config.profiles.get('secure')).toMatchObject({ version: '3', level: 'authPriv', authProtocol: 'sha256', privProtocol: 'aes' });
    expect(config.profiles.get('dc2')).toMatchObject({ community: { source: { path: join(import.meta.dirname, '..', '..', 'examples', 'secrets', 'dc2.community') } } });
  });
});

describe('parseConfig: every problem, with file and JSON path', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['not an object', '[]', ['config.json: expected a JSON object ({ "profiles": { ... } })']],
    ['no profiles', {}, ['config.json: profiles: missing: expected an object of named profiles, e.g. { "dc1": { "version": "2c", "communityEnv": "DC1_COMMUNITY" } }']],
    ['profiles not an object', { profiles: [] }, ['config.json: profiles: expected an object of named profiles']],
    ['unknown top-level key', { profiles: {}, default: 'x' }, ['config.json: default: unknown key: expected one of defaultProfile, profiles']],
    ['top-level key in the wrong case', { profiles: {}, defaultprofile: 'x' }, ['config.json: defaultprofile: unknown key: did you mean "defaultProfile"?']],
    ['defaultProfile names nothing', { defaultProfile: 'dc9', profiles: { dc1: { version: '2c', communityEnv: 'C' } } }, ['config.json: defaultProfile: no profile named "dc9" (profiles: dc1)']],
    ['defaultProfile not a string', { defaultProfile: 1, profiles: {} }, ['config.json: defaultProfile: expected the name of a profile']],
    ['bad profile name', { profiles: { 'dc 1': { version: '2c', communityEnv: 'C' } } }, ['config.json: profiles["dc 1"]: bad profile name: expected a letter or digit, then letters, digits, "_" or "-" (64 at most)']],
    ['profile not an object', { profiles: { p: 'x' } }, ['config.json: profiles.p: expected an object ({ "version": "2c", "communityEnv": "..." })']],
    ['no version', profile({ communityEnv: 'C' }), ['config.json: profiles.p.version: missing: expected one of "1", "2c", "3"']],
    ['version as a number', profile({ version: 2, communityEnv: 'C' }), ['config.json: profiles.p.version: expected one of "1", "2c", "3" (a string)']],
    ['unknown profile key', profile({ version: '2c', communityEnv: 'C', retries: 3 }), ['config.json: profiles.p.retries: unknown key: expected one of version, description, community, communityEnv, communityFile, level, user, authProtocol, authKey, authKeyEnv, authKeyFile, privProtocol, privKey, privKeyEnv, privKeyFile']],
    ['profile key in the wrong case', profile({ version: '2c', communityenv: 'C' }), ['config.json: profiles.p.communityenv: unknown key: did you mean "communityEnv"?', 'config.json: profiles.p: no community: add communityEnv, communityFile or community']],
    ['description not a string', profile({ version: '2c', communityEnv: 'C', description: 1 }), ['config.json: profiles.p.description: expected a string']],
    ['v2c without community', profile({ version: '2c' }), ['config.json: profiles.p: no community: add communityEnv, communityFile or community']],
    ['community given twice', profile({ version: '1', communityEnv: 'C', communityFile: 'f' }), ['config.json: profiles.p: community given 2 ways (communityEnv, communityFile): use exactly one']],
    ['v3 key on a v2c profile', profile({ version: '2c', communityEnv: 'C', user: 'u' }), ['config.json: profiles.p.user: only for version "3"']],
    ['community on a v3 profile', profile({ ...V3_AUTH, communityEnv: 'C' }), ['config.json: profiles.p.communityEnv: not for version "3": SNMPv3 uses user, authKey and privKey, not a community']],
    ['bad variable name', profile({ version: '2c', communityEnv: '$C' }), ['config.json: profiles.p.communityEnv: expected an environment variable name (letters, digits and "_", not starting with a digit)']],
    ['empty file path', profile({ version: '2c', communityFile: '' }), ['config.json: profiles.p.communityFile: expected a file path (absolute, or relative to the config file)']],
    ['inline community not a string', profile({ version: '2c', community: 12345 }), ['config.json: profiles.p.community: expected a non-empty string']],
    ['v3 without level', profile({ version: '3', user: 'u' }), ['config.json: profiles.p.level: missing: expected one of noAuthNoPriv, authNoPriv, authPriv']],
    ['v3 bad level', profile({ ...V3_AUTH, level: 'auth' }), ['config.json: profiles.p.level: expected one of noAuthNoPriv, authNoPriv, authPriv']],
    ['v3 without user', profile({ ...V3_AUTH, user: undefined }), ['config.json: profiles.p.user: missing: expected the SNMPv3 user name']],
    ['v3 empty user', profile({ ...V3_AUTH, user: '' }), ['config.json: profiles.p.user: expected a non-empty string']],
    ['v3 user too long', profile({ ...V3_AUTH, user: 'u'.repeat(33) }), ['config.json: profiles.p.user: longer than 32 bytes (RFC 3414)']],
    ['bad auth protocol', profile({ ...V3_AUTH, authProtocol: 'sha3' }), ['config.json: profiles.p.authProtocol: expected one of md5, sha, sha224, sha256, sha384, sha512']],
    ['missing auth protocol', profile({ ...V3_AUTH, authProtocol: undefined }), ['config.json: profiles.p.authProtocol: missing (level authNoPriv needs it): expected one of md5, sha, sha224, sha256, sha384, sha512']],
    ['bad priv protocol', profile({ ...V3_PRIV, privProtocol: 'aes128' }), ['config.json: profiles.p.privProtocol: expected one of des, aes, aes256b, aes256r']],
    ['authNoPriv without a key', profile({ ...V3_AUTH, authKeyEnv: undefined }), ['config.json: profiles.p: level authNoPriv needs an authentication key: add authKeyEnv, authKeyFile or authKey']],
    ['authPriv without a privacy key', profile({ ...V3_PRIV, privKeyEnv: undefined }), ['config.json: profiles.p: level authPriv needs a privacy key: add privKeyEnv, privKeyFile or privKey']],
    ['authPriv without either key', profile({ ...V3_PRIV, authKeyEnv: undefined, privKeyEnv: undefined }), [
      'config.json: profiles.p: level authPriv needs an authentication key: add authKeyEnv, authKeyFile or authKey',
      'config.json: profiles.p: level authPriv needs a privacy key: add privKeyEnv, privKeyFile or privKey',
    ]],
    ['privacy settings at authNoPriv', profile({ ...V3_AUTH, privProtocol: 'aes', privKeyEnv: 'PRIV' }), [
      'config.json: profiles.p.privProtocol: not used at level authNoPriv: remove it, or set level to authPriv',
      'config.json: profiles.p.privKeyEnv: not used at level authNoPriv: remove it, or set level to authPriv',
    ]],
    ['keys at noAuthNoPriv', profile({ ...V3_AUTH, level: 'noAuthNoPriv' }), [
      'config.json: profiles.p.authProtocol: not used at level noAuthNoPriv: remove it, or set level to authNoPriv or authPriv',
      'config.json: profiles.p.authKeyEnv: not used at level noAuthNoPriv: remove it, or set level to authNoPriv or authPriv',
    ]],
    ['auth key given twice', profile({ ...V3_AUTH, authKey: 'abcdefgh' }), ['config.json: profiles.p: authKey given 2 ways (authKey, authKeyEnv): use exactly one']],
    ['inline v3 key too short', profile({ ...V3_AUTH, authKeyEnv: undefined, authKey: 'short12' }), ['config.json: profiles.p.authKey: shorter than 8 characters: SNMPv3 keys need at least 8 (RFC 3414)']],
  ];

  it.each(cases)('%s', (_name, content, expected) => {
    expect(problems(content)).toEqual(expected);
  });

  it('reports every problem of the file at once; the error message is the first with a count', () => {
    try {
      parseConfig(JSON.stringify({ defaultProfile: 'x', profiles: { a: { version: '4' }, b: { version: '2c' } } }), 'c.json');
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'c.json: profiles.a.version: expected one of "1", "2c", "3" (a string)',
        'c.json: profiles.b: no community: add communityEnv, communityFile or community',
        'c.json: defaultProfile: no profile named "x" (profiles: a, b)',
      ]);
      expect((e as Error).message).toBe('c.json: profiles.a.version: expected one of "1", "2c", "3" (a string) (and 2 more problems)');
    }
  });

  it('places JSON syntax errors by line and column without quoting the text', () => {
    const text = '{\n  "profiles": {\n    "p": { "version": "2c", "community": "s3cret-value" x }\n  }\n}\n';
    const [message] = problems(text);
    expect(message).toBe("config.json: not valid JSON at line 3, column 57: Expected ',' or '}' after property value");
    expect(problems('{ "profiles": { "p": { "community": s3cret-value } } }')).toEqual([
      'config.json: not valid JSON: a value must be a "string", number, true, false, null, object or array (comments and unquoted words are not JSON)',
    ]);
    expect(problems('{ "profiles": { "p": { "community": "s3cret-value')).toEqual([
      'config.json: not valid JSON at line 1, column 50: Unterminated string',
    ]);
    expect(problems('  \n')).toEqual(['config.json: the file is empty: expected a JSON object ({ "profiles": { ... } })']);
    expect(problems('{ "profiles": { "p": ')).toEqual(['config.json: not valid JSON: the file ends too early (an unclosed { or " ?)']);
    expect(problems('{ "profiles": {}, }')[0]).toMatch(/^config\.json: not valid JSON at line 1, column 19: /);
  });

  it('never quotes an inline secret, whatever is wrong around it', () => {
    const secret = 'Sup3r-S3cret-Val';
    const bad = [
      `{ "profiles": { "p": { "version": "2c", "community": ${secret} } } }`,
      `{ "profiles": { "p": { "version": "2c", "community": "${secret}" x } } }`,
      `{ "profiles": { "p": { "version": "2c", "community": "${secret}"`,
      `{ "profiles": { "p": { "version": "2c", "community": "${secret}", } } }`,
      `{ "profiles": { "p": { "version": "2c", "community": "${secret}\u0001" } } }`,
      JSON.stringify(profile({ version: '2c', community: secret, communityEnv: 'C' })),
      JSON.stringify(profile({ version: '3', community: secret, level: 'noAuthNoPriv', user: 'u' })),
      JSON.stringify(profile({ version: '2c', community: secret, authKey: secret })),
      JSON.stringify(profile({ ...V3_AUTH, authKeyEnv: undefined, authKey: secret.slice(0, 7) })),
      JSON.stringify(profile({ ...V3_PRIV, privKeyEnv: undefined, privKey: secret, privProtocol: 'x' })),
      JSON.stringify({ defaultProfile: 'q', profiles: { p: { version: '2c', community: secret } } }),
    ];
    for (const text of bad) {
      let caught: unknown;
      try {
        parseConfig(text, 'config.json');
      } catch (e) {
        caught = e;
      }
      expect(caught, text).toBeInstanceOf(ConfigError);
      const shown = [inspect(caught), String((caught as Error).stack), ...(caught as ConfigError).problems].join('\n');
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(secret.slice(0, 7));
    }
  });
});
