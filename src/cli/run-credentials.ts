import { loadConfig, systemSecretReader, type Config } from '../credentials/config-file.js';
import { cliCommunity, planCredentials, type CredentialPlan, type CredentialRequest } from '../credentials/resolve.js';
import { desAvailable, ensureDes, legacyProviderRelaunch } from '../snmp/v3.js';
import type { Io } from './io.js';
import { UsageError } from './io.js';
import type { ScanArgs } from './options.js';

// Credentials for one run of scan or check: config file, command line, environment. Every
// profile named is resolved (and its secrets known for redaction) before any packet is sent.

export type CredentialArgs = Pick<ScanArgs, 'config' | 'profile' | 'community' | 'communityFile' | 'snmpVersion'>;

/** Thrown when DES is needed and only a restart with OpenSSL's legacy provider can give it. */
export class RelaunchNeeded extends Error {
  override readonly name = 'RelaunchNeeded';
  constructor(readonly command: string, readonly args: string[]) {
    super('restarting with OpenSSL\'s legacy provider for SNMPv3 DES');
  }
}

/** The config file, checked first: a restart for DES must happen before stdin is read. */
export function loadRunConfig(args: CredentialArgs, io: Io): Config {
  const config = loadConfig({ path: args.config, env: io.env });
  requireDesIfUsed(config);
  return config;
}

export function planRunCredentials(
  args: CredentialArgs,
  io: Io,
  config: Config,
  requests: Iterable<CredentialRequest> = [],
): CredentialPlan {
  const reader = systemSecretReader(io.env);
  return planCredentials({
    config,
    defaults: { version: args.snmpVersion, profile: args.profile, community: cliCommunity(args, reader) },
    requests,
    reader,
  });
}

/** OpenSSL providers are fixed at start: a config that uses DES needs a restart before anything is read. */
function requireDesIfUsed(config: Config): void {
  const des = [...config.profiles.values()].some((p) => p.version === '3' && p.level === 'authPriv' && p.privProtocol === 'des');
  if (!des || desAvailable()) return;
  const relaunch = legacyProviderRelaunch();
  if (relaunch) throw new RelaunchNeeded(relaunch.command, relaunch.args);
  const verdict = ensureDes();
  if (!verdict.ok) throw new UsageError(verdict.message);
}
