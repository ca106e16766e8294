// Which credentials each target is polled with. Pure: the environment and secret files are
// reached only through the SecretReader passed in (src/credentials/config-file.ts has the real one).
//
// Precedence, for one target (docs/config.md has the table):
//
//   1. the inventory row's `community` (SNMPv1/v2c only): the row's profile's version when the
//      row names one (which must then be a v1/v2c profile), else the default's version when the
//      default is a v1/v2c profile, else --snmp-version;
//   2. the inventory row's `profile`;
//   3. --profile NAME;
//   4. the config file's `defaultProfile`;
//   5. the community from --community-file, else --community, else $ATS_AUDIT_COMMUNITY, with
//      --snmp-version;
//   6. "public", with --snmp-version.
//
// Steps 3-6 give the run's default credentials: they are resolved once, up front, and a problem
// with them stops the run (CredentialError). A profile named by inventory rows is resolved once,
// on first use, and a problem with it (unknown name, unset variable, unreadable or exposed secret
// file) is that row's problem only: `fleet.csv:12: unknown profile "dc9"`.
//
// No message ever holds a secret's value: they name the origin, the profile, the config file
// and key, the variable or the file.

import {
  exposedBy,
  octal,
  shellQuote,
  V3_MIN_KEY_LENGTH,
  type Config,
  type Profile,
  type SecretReader,
  type SecretRef,
} from './config-file.js';
import { secretsOf, type Credentials } from '../targets/target.js';
import { readProblem } from '../file-problem.js';

/** The run-wide community given outside the config file, and which option or variable gave it. */
export interface CliCommunity {
  readonly value: string;
  readonly from: '--community-file' | '--community' | '$ATS_AUDIT_COMMUNITY';
}

/** The command line's say in credentials. */
export interface CredentialDefaults {
  /** --snmp-version: the version of every community that does not come from a profile. */
  readonly version: '1' | '2c';
  /** --profile NAME. */
  readonly profile?: string;
  /** From cliCommunity(); undefined means "public". */
  readonly community?: CliCommunity;
}

/** What a target (or the inventory line it came from) says about its credentials. */
export interface CredentialRequest {
  /** "fleet.csv:12", "argument 2". */
  readonly origin: string;
  readonly profile?: string;
  /** A secret: never quoted. */
  readonly community?: string;
}

export type CredentialResult =
  | { readonly ok: true; readonly credentials: Credentials }
  | { readonly ok: false; readonly error: string };

export interface CredentialProblem {
  readonly origin: string;
  /** The full message, starting with the origin. */
  readonly message: string;
}

export interface CredentialPlan {
  /** For targets that name neither a community nor a profile. */
  readonly defaultCredentials: Credentials;
  /** Where those came from, in words: `profile "dc1" (--profile)`, `--community-file`, `"public"`. */
  readonly defaultSource: string;
  /** A target's credentials. Cheap: every profile is resolved at most once per plan. */
  credentialsFor(request: CredentialRequest): CredentialResult;
  /** One per request given to planCredentials that cannot be served, in the order given. */
  readonly problems: readonly CredentialProblem[];
  /** Things the user may not expect (a --community that a profile overrides). */
  readonly notes: readonly string[];
  /**
   * Every secret in use so far: the defaults', each resolved profile's, every inventory community
   * seen, and the command line's community even when a profile overrides it. For redaction.
   */
  readonly secrets: readonly string[];
}

/** A problem with the run's default credentials, or with --community/--community-file. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

/**
 * The community given outside the config file: --community-file (first line, trimmed), else
 * --community, else $ATS_AUDIT_COMMUNITY (empty counts as unset); undefined when none is given.
 * The file's mode is not checked here (unlike a profile's secret files): see docs/config.md.
 */
export function cliCommunity(
  options: { readonly community?: string; readonly communityFile?: string },
  reader: SecretReader,
): CliCommunity | undefined {
  if (options.communityFile !== undefined) {
    const read = reader.file(options.communityFile);
    if (!read.ok) throw new CredentialError(`--community-file ${options.communityFile}: ${readProblem(read.code)}`);
    const first = firstLine(read.text);
    if (!first) throw new CredentialError(`--community-file ${options.communityFile}: the file is empty`);
    return { value: first, from: '--community-file' };
  }
  if (options.community !== undefined) {
    if (options.community === '') throw new CredentialError('--community: must not be empty');
    return { value: options.community, from: '--community' };
  }
  const env = reader.env('ATS_AUDIT_COMMUNITY');
  return env ? { value: env, from: '$ATS_AUDIT_COMMUNITY' } : undefined;
}

/**
 * Resolves the run's default credentials (throws CredentialError when they cannot be had) and
 * every profile the requests name (typically the inventory lines, before expansion), so that
 * `problems` and `secrets` are complete before the first packet.
 */
export function planCredentials(input: {
  readonly config: Config;
  readonly defaults: CredentialDefaults;
  readonly requests?: Iterable<CredentialRequest>;
  readonly reader: SecretReader;
}): CredentialPlan {
  const { config, defaults, reader } = input;
  const secrets = new Set<string>();
  let secretList: readonly string[] = [];
  const notes: string[] = [];
  const keep = (c: Credentials) => {
    for (const s of secretsOf(c)) if (s !== '') secrets.add(s);
    return c;
  };
  if (defaults.community) secrets.add(defaults.community.value);

  const resolved = new Map<string, ProfileResult>();
  const profileNamed = (name: string): ProfileResult | undefined => {
    const profile = config.profiles.get(name);
    if (!profile) return undefined;
    let result = resolved.get(name);
    if (!result) {
      result = resolveProfile(config, profile, reader);
      if (result.ok) keep(result.credentials);
      resolved.set(name, result);
    }
    return result;
  };

  // Steps 3-6: the default.
  let defaultCredentials: Credentials;
  let defaultSource: string;
  // An explicit --community/--community-file on this command line beats the config file's
  // defaultProfile (a one-off scan should do what it says); $ATS_AUDIT_COMMUNITY does not.
  const explicitCommunity = defaults.community !== undefined && defaults.community.from !== '$ATS_AUDIT_COMMUNITY';
  const chosen = defaults.profile !== undefined
    ? { name: defaults.profile, by: '--profile' }
    : config.defaultProfile !== undefined && !explicitCommunity
      ? { name: config.defaultProfile, by: `defaultProfile in ${config.file}` }
      : undefined;
  if (chosen) {
    const result = profileNamed(chosen.name);
    const label = defaults.profile !== undefined ? `--profile ${chosen.name}` : `${config.file}: defaultProfile ${JSON.stringify(chosen.name)}`;
    if (!result) throw new CredentialError(`${label}: ${unknownProfile(config, chosen.name)}`);
    if (!result.ok) throw new CredentialError(`${label}: ${result.error}`);
    defaultCredentials = result.credentials;
    defaultSource = `profile ${JSON.stringify(chosen.name)} (${chosen.by})`;
    if (defaults.community && defaults.community.from !== '$ATS_AUDIT_COMMUNITY') {
      notes.push(
        `${defaults.community.from} is not used: profile ${JSON.stringify(chosen.name)} (${chosen.by}) ` +
          'applies to every target without a community or profile of its own',
      );
    }
  } else {
    const community = defaults.community?.value ?? 'public';
    defaultCredentials = keep({ version: defaults.version, community });
    defaultSource = defaults.community?.from ?? '"public" (no community given)';
  }

  /** Version for an inventory community on a row without a profile (step 1). */
  const rowVersion: '1' | '2c' = defaultCredentials.version === '3' ? defaults.version : defaultCredentials.version;

  const credentialsFor = (request: CredentialRequest): CredentialResult => {
    if (request.community !== undefined && request.community !== '') secrets.add(request.community);
    if (request.profile === undefined || request.profile === '') {
      if (request.community === undefined || request.community === '') return { ok: true, credentials: defaultCredentials };
      return { ok: true, credentials: { version: rowVersion, community: request.community } };
    }
    const result = profileNamed(request.profile);
    const label = `${request.origin}: profile ${JSON.stringify(request.profile)}`;
    if (!result) return { ok: false, error: `${request.origin}: ${unknownProfile(config, request.profile)}` };
    if (!result.ok) return { ok: false, error: `${label}: ${result.error}` };
    const c = result.credentials;
    if (request.community === undefined || request.community === '') return { ok: true, credentials: c };
    if (c.version === '3') {
      return {
        ok: false,
        error: `${label} is SNMPv3: a community applies only to SNMPv1/v2c profiles (leave the community cell empty)`,
      };
    }
    return { ok: true, credentials: { version: c.version, community: request.community } };
  };

  const problems: CredentialProblem[] = [];
  for (const request of input.requests ?? []) {
    const result = credentialsFor(request);
    if (!result.ok) problems.push({ origin: request.origin, message: result.error });
  }

  return {
    defaultCredentials,
    defaultSource,
    credentialsFor,
    problems,
    notes,
    /** The same array until a new secret is met (redaction runs per message: no copy each time). */
    get secrets() {
      if (secretList.length !== secrets.size) secretList = [...secrets];
      return secretList;
    },
  };
}

export type ProfileResult = { readonly ok: true; readonly credentials: Credentials } | { readonly ok: false; readonly error: string };

/**
 * One profile's credentials: its secrets read from the environment or files (a file must not be
 * open to group or others, and v3 keys must be 8 characters at least). The error names the
 * config file and key: `config.json: profiles.dc1.communityEnv: environment variable
 * DC1_COMMUNITY is not set`.
 */
export function resolveProfile(config: Pick<Config, 'file'>, profile: Profile, reader: SecretReader): ProfileResult {
  try {
    const secret = (ref: SecretRef) => resolveSecret(config.file, ref, reader);
    if (profile.version !== '3') return { ok: true, credentials: { version: profile.version, community: secret(profile.community) } };
    const { user } = profile;
    if (profile.level === 'noAuthNoPriv') return { ok: true, credentials: { version: '3', level: 'noAuthNoPriv', user } };
    const authKey = secret(profile.authKey);
    if (profile.level === 'authNoPriv') {
      return { ok: true, credentials: { version: '3', level: 'authNoPriv', user, authProtocol: profile.authProtocol, authKey } };
    }
    const privKey = secret(profile.privKey);
    return {
      ok: true,
      credentials: {
        version: '3',
        level: 'authPriv',
        user,
        authProtocol: profile.authProtocol,
        authKey,
        privProtocol: profile.privProtocol,
        privKey,
      },
    };
  } catch (e) {
    if (e instanceof SecretProblem) return { ok: false, error: e.message };
    throw e;
  }
}

/** Internal: thrown by resolveSecret, caught in resolveProfile. Its message holds no secret. */
class SecretProblem extends Error {}

function resolveSecret(file: string, ref: SecretRef, reader: SecretReader): string {
  const fail = (why: string): never => {
    throw new SecretProblem(`${file}: ${ref.at}: ${why}`);
  };
  const minLength = ref.field === 'community' ? 1 : V3_MIN_KEY_LENGTH;
  const tooShort = `shorter than ${V3_MIN_KEY_LENGTH} characters: SNMPv3 keys need at least ${V3_MIN_KEY_LENGTH} (RFC 3414)`;
  const { source } = ref;
  switch (source.from) {
    case 'inline':
      return source.value; // checked by parseConfig
    case 'env': {
      const value = reader.env(source.variable);
      if (value === undefined) return fail(`environment variable ${source.variable} is not set`);
      if (value === '') return fail(`environment variable ${source.variable} is empty`);
      if (value.length < minLength) return fail(`the key in ${source.variable} is ${tooShort}`);
      return value;
    }
    case 'file': {
      const path = source.path;
      const read = reader.file(path);
      if (!read.ok) return fail(`${path}: ${readProblem(read.code)}`);
      const exposure = read.mode === undefined ? undefined : exposedBy(read.mode);
      if (read.mode !== undefined && exposure) {
        return fail(`${path} is ${exposure} (mode ${octal(read.mode)}): chmod 600 ${shellQuote(path)}`);
      }
      const value = firstLine(read.text);
      if (value === '') return fail(`${path}: the first line is empty`);
      if (value.length < minLength) return fail(`the key in ${path} is ${tooShort}`);
      return value;
    }
  }
}

function firstLine(text: string): string {
  return (text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '').trim();
}

function unknownProfile(config: Config, name: string): string {
  const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  if (!config.found) return `unknown profile ${shown} (no config file: ${config.file} not found)`;
  const names = [...config.profiles.keys()];
  const near = names.find((n) => n.toLowerCase() === name.toLowerCase());
  if (near) return `unknown profile ${shown}: did you mean "${near}"?`;
  return `unknown profile ${shown} (${config.file} has ${names.length === 0 ? 'no profiles' : names.join(', ')})`;
}
