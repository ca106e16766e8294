import { compareVersions, listsModel, parseVersion, type Advisory, type Range } from './advisory.js';
import type { AtsState, Device, Identity, IdentityDoubts, Source } from './device.js';
import type { Facts, Finding, YesNoUnknown } from './finding.js';
import { verdictRank } from './finding.js';

// Device x bulletins -> one finding. Pure. The rule of the bulletin: upgrading a listed unit
// with a listed package is safe only when (1) the secondary input is dead and the unit runs
// on the primary alone, or (2) nothing is loaded. "safe-to-upgrade" needs proof of one of the
// two from fresh data; anything less is "unknown", never a guess.

/** Below this an input is treated as dead when its voltage is compared with its status. */
const LIVE_VOLTS = 50;

const other = (s: Source): Source => (s === 'A' ? 'B' : 'A');

export function evaluate(device: Device, advisories: readonly Advisory[]): Finding {
  if (device.kind === 'not-ats') {
    // sysObjectID and the missing ATS branch say "not an ATS"; a sysDescr naming a listed model
    // says otherwise: the sources disagree on what the unit is.
    const mn = device.sysDescrModel;
    const listing = mn === undefined ? [] : advisories.filter((a) => listsModel(a, mn));
    if (listing.length > 0) {
      return {
        verdict: 'unknown',
        reason: `${device.why}; but sysDescr MN: names ${JSON.stringify(mn)}, a model on ${listing.map((a) => a.id).join(', ')}: the sources disagree on what this unit is`,
        action: "Check on site what the unit is (its label) before any firmware upgrade; see why its card reports it so.",
      };
    }
    return { verdict: 'not-ats', reason: device.why, action: '' };
  }
  if (device.kind === 'unidentified') {
    return {
      verdict: 'unknown',
      reason: device.why,
      action: "Check that the community or user may read the system group (sysObjectID) and the ATS branch; look at the unit's label.",
    };
  }
  if (device.doubts?.model !== undefined) {
    return {
      verdict: 'unknown',
      reason: `Rack ATS, but its model cannot be trusted: ${device.doubts.model}; so the bulletin cannot be checked${
        device.state.anomalies.length ? ` (${device.state.anomalies.join('; ')})` : ''
      }`,
      action: "Read the model from the unit's label or web page and check it against the bulletin by hand; see why the unit reports it so.",
      facts: facts(device.state),
    };
  }
  const model = device.identity.model;
  if (model === undefined) {
    return {
      verdict: 'unknown',
      reason: `Rack ATS (by sysObjectID) but it reported no usable model number (neither atsIdentModelNumber nor sysDescr MN:), so the bulletin cannot be checked${
        device.state.anomalies.length ? ` (${device.state.anomalies.join('; ')})` : ''
      }`,
      action: 'Read the model from the unit\'s label or web page and check it against the bulletin by hand.',
      facts: facts(device.state),
    };
  }
  const anomalies = device.state.anomalies.length ? ` (${device.state.anomalies.join('; ')})` : '';
  const listing = advisories.filter((a) => listsModel(a, model));
  if (listing.length === 0) {
    const notes = advisories.flatMap((a) => a.lookalikes.filter((l) => l.pattern.test(model.trim())).map((l) => l.note));
    const ids = advisories.map((a) => a.id).join(', ');
    return {
      verdict: 'not-affected',
      reason: `${model} is not on ${ids || 'any bundled bulletin'}${notes.length ? `: ${[...new Set(notes)].join('; ')}` : ''}${anomalies}`,
      action: '',
      facts: facts(device.state),
    };
  }
  // A bulletin limited to some firmware or serials applies only where the unit is proved inside
  // them; where that cannot be told, the unit is unknown; outside all of them, not affected.
  const scoped = listing.map((a) => ({ advisory: a, scope: scopeOf(a, device.identity, device.doubts ?? {}) }));
  const findings: Finding[] = scoped.map(({ advisory, scope }) =>
    scope.applies === true
      ? judge(model, device.state, advisory)
      : scope.applies === 'cannot-tell'
        ? {
            verdict: 'unknown',
            reason: `${model} is on ${advisory.id} for some ${scope.what} only, and ${scope.why}${anomalies}`,
            action: `Read the unit's ${scope.what === 'firmware' ? 'application firmware version' : 'serial number'} from its web page or label and check it against ${advisory.id} by hand.`,
            advisoryId: advisory.id,
            facts: facts(device.state),
          }
        : {
            verdict: 'not-affected',
            reason: `${model} is on ${advisory.id}, but ${scope.why}${anomalies}`,
            action: '',
            advisoryId: advisory.id,
            facts: facts(device.state),
          },
  );
  return findings.sort((x, y) => verdictRank(x.verdict) - verdictRank(y.verdict))[0]!;
}

type Scope = { readonly applies: true } | { readonly applies: false | 'cannot-tell'; readonly what: 'firmware' | 'serials'; readonly why: string };

/** Whether a bulletin that lists the model covers this unit's firmware and serial. */
function scopeOf(advisory: Advisory, identity: Identity, doubts: IdentityDoubts): Scope {
  if (advisory.firmware !== 'all') {
    const shown = rangesText(advisory.firmware);
    const v = identity.appVersion === undefined ? undefined : parseVersion(identity.appVersion);
    if (doubts.firmware !== undefined) return { applies: 'cannot-tell', what: 'firmware', why: `${doubts.firmware} (${advisory.id} covers ${shown})` };
    if (identity.appVersion === undefined) return { applies: 'cannot-tell', what: 'firmware', why: `the card's application version is not reported (${advisory.id} covers ${shown})` };
    if (v === undefined) return { applies: 'cannot-tell', what: 'firmware', why: `its application version ${JSON.stringify(identity.appVersion)} cannot be read as a version (${advisory.id} covers ${shown})` };
    const inside = advisory.firmware.some((r) => (r.from === undefined || compareVersions(v, parseVersion(r.from)!) >= 0) && (r.to === undefined || compareVersions(v, parseVersion(r.to)!) <= 0));
    if (!inside) return { applies: false, what: 'firmware', why: `its application firmware ${identity.appVersion} is outside the firmware it covers (${shown})` };
  }
  if (advisory.serials !== 'all') {
    const shown = rangesText(advisory.serials);
    const serial = identity.serial?.trim().toUpperCase();
    if (doubts.serial !== undefined) return { applies: 'cannot-tell', what: 'serials', why: `${doubts.serial} (${advisory.id} covers ${shown})` };
    if (!serial) return { applies: 'cannot-tell', what: 'serials', why: `the serial number is not reported (${advisory.id} covers ${shown})` };
    const inside = advisory.serials.some((r) => {
      const n = (r.from ?? r.to)!.length;
      const head = serial.slice(0, n);
      return head.length === n && (r.from === undefined || head >= r.from.toUpperCase()) && (r.to === undefined || head <= r.to.toUpperCase());
    });
    if (!inside) return { applies: false, what: 'serials', why: `its serial ${serial} is outside the serials it covers (${shown})` };
  }
  return { applies: true };
}

function rangesText(ranges: readonly Range[]): string {
  return ranges.map((r) => (r.from && r.to ? `${r.from} to ${r.to}` : r.from ? `${r.from} and later` : `up to ${r.to}`)).join(', ');
}

/** The facts the report shows, derived once from the state. */
export function facts(state: AtsState): Facts {
  const primary = state.preferredSource;
  const secondary = primary === 'A' || primary === 'B' ? other(primary) : undefined;
  return {
    primarySource: primary,
    secondarySource: secondary,
    selectedSource: state.selectedSource,
    sourceA: state.sourceStatus.A,
    sourceB: state.sourceStatus.B,
    voltageA: state.inputVoltage.A,
    voltageB: state.inputVoltage.B,
    secondaryLive: secondaryLive(state, secondary),
    loadAttached: state.outputAmps === undefined ? 'unknown' : state.outputAmps > 0 ? 'yes' : 'no',
    loadAmps: state.outputAmps,
  };
}

/**
 * Status "ok" alone proves an input live. "Dead" needs every signal to agree: status failed,
 * the input's voltage (where reported) below LIVE_VOLTS, and redundancy not "fully redundant".
 */
function secondaryLive(state: AtsState, secondary: Source | undefined): YesNoUnknown {
  const { A, B } = state.sourceStatus;
  if (secondary) {
    const s = state.sourceStatus[secondary];
    if (s === 'ok') return 'yes';
    if (s !== 'fail') return 'unknown';
    const v = state.inputVoltage[secondary];
    return (v !== undefined && v >= LIVE_VOLTS) || state.redundancy === 'full' ? 'unknown' : 'no';
  }
  // No primary configured: with both inputs up, whichever one is "secondary" is live.
  return A === 'ok' && B === 'ok' ? 'yes' : 'unknown';
}

function judge(model: string, state: AtsState, advisory: Advisory): Finding {
  const f = facts(state);
  const notes = [...voltageNotes(state), ...state.anomalies];
  const base = { advisoryId: advisory.id, facts: f };
  const withNotes = (reason: string) => (notes.length ? `${reason} (${notes.join('; ')})` : reason);
  const primary = f.primarySource;
  const secondary = f.secondarySource;
  const load = f.loadAmps === undefined ? 'load not reported' : `load ${f.loadAmps.toFixed(1)} A`;

  if (state.commStatus !== 'established') {
    const why =
      state.commStatus === undefined
        ? 'the card did not report whether it can talk to the switch (atsStatusCommStatus missing)'
        : `the card has ${state.commStatus === 'lost' ? 'lost' : 'never had'} communication with the switch, so its status values are stale`;
    return {
      ...base,
      verdict: 'unknown',
      reason: withNotes(`${model} is on ${advisory.id}, but ${why}`),
      action: 'Check the unit on site (front panel) before any firmware upgrade; do not trust its SNMP status.',
    };
  }

  // Procedure 2 holds: nothing is drawing current.
  if (f.loadAttached === 'no') {
    return {
      ...base,
      verdict: 'safe-to-upgrade',
      reason: withNotes(`${model} is on ${advisory.id}; no load attached (output reads 0.0 A, resolution 0.1 A)`),
      action: 'Keep all loads disconnected during the update (bulletin procedure 2).',
    };
  }

  const isolatedByStatus =
    secondary !== undefined &&
    primary !== 'none' &&
    state.sourceStatus[secondary] === 'fail' &&
    state.selectedSource === primary &&
    state.sourceStatus[primary as Source] === 'ok';
  const against = isolatedByStatus ? isolationDisagreements(state, primary as Source, secondary!) : [];
  if (isolatedByStatus && against.length > 0) {
    return {
      ...base,
      verdict: 'unknown',
      // The disagreement is the reason itself: only the other notes are added.
      reason: `${model} is on ${advisory.id}; secondary Source ${secondary} status says failed, but ${against.join(', and ')}: the signals disagree, so the secondary is not proved dead (${load})${
        state.anomalies.length ? ` (${state.anomalies.join('; ')})` : ''
      }`,
      action: `Check on site that Source ${secondary} is really disconnected (an input out of tolerance may still carry the load) before any listed upgrade; or remove all loads (procedure 2).`,
    };
  }
  if (isolatedByStatus) {
    return {
      ...base,
      verdict: 'safe-to-upgrade',
      reason: withNotes(
        `${model} is on ${advisory.id}; secondary Source ${secondary} is not live and the unit runs on primary Source ${primary} alone (${load})`,
      ),
      action: `Keep Source ${secondary} disconnected until the update has finished (bulletin procedure 1).`,
    };
  }

  // On the secondary because the primary is down: procedure 1 would drop the load, and the
  // unit may transfer back mid-update when the primary returns. Not provable either way.
  if ((primary === 'A' || primary === 'B') && state.sourceStatus[primary] === 'fail') {
    const running = state.selectedSource ? `runs on Source ${state.selectedSource}` : 'selected source not reported';
    return {
      ...base,
      verdict: 'unknown',
      reason: withNotes(`${model} is on ${advisory.id}, but primary Source ${primary} has failed (${running}, ${load})`),
      action: `Restore primary Source ${primary} before any upgrade: disconnecting the secondary now would drop the load; or remove all loads (procedure 2).`,
    };
  }

  // With no primary configured, the input to pull is the one the unit is not running on.
  const toPull =
    secondary !== undefined
      ? `Source ${secondary} (secondary) and run on primary Source ${primary} only`
      : state.selectedSource !== undefined
        ? `Source ${other(state.selectedSource)} (the input not in use) and run on Source ${state.selectedSource} only`
        : 'one input and run on the other only';
  const howToMakeSafe = `Disconnect ${toPull} (procedure 1), or remove all loads (procedure 2), before any listed upgrade.`;

  if (f.loadAttached === 'yes' && f.secondaryLive === 'yes') {
    const which =
      secondary !== undefined
        ? `secondary Source ${secondary} is live`
        : `${primary === 'none' ? 'no preferred source is configured' : 'the preferred source is not reported'} and both inputs are live`;
    return {
      ...base,
      verdict: 'at-risk',
      reason: withNotes(`${model} is on ${advisory.id}; ${load} and ${which}: a listed upgrade now could destroy the unit`),
      action: howToMakeSafe,
    };
  }

  return {
    ...base,
    verdict: 'unknown',
    reason: withNotes(`${model} is on ${advisory.id}, but ${missing(state, f)}`),
    action: howToMakeSafe,
  };
}

/** Why neither safe procedure could be proved, nor the hazard. */
function missing(state: AtsState, f: Facts): string {
  const gaps: string[] = [];
  const primary = f.primarySource;
  if (primary === undefined) gaps.push('the preferred (primary) source is not reported');
  else if (primary === 'none') gaps.push('no preferred source is configured, so the primary cannot be told apart');
  if (f.secondarySource && state.sourceStatus[f.secondarySource] === undefined) {
    gaps.push(`Source ${f.secondarySource} (secondary) status is not reported`);
  }
  if (primary === 'A' || primary === 'B') {
    if (state.sourceStatus[primary] === 'fail') gaps.push(`primary Source ${primary} has failed`);
    if (state.selectedSource === undefined) gaps.push('the selected source is not reported');
    else if (state.selectedSource !== primary)
      gaps.push(`it is running on secondary Source ${state.selectedSource}, not on the primary`);
  }
  if (f.loadAttached === 'unknown') gaps.push('the output load is not reported (current unsupported or missing)');
  return gaps.length ? gaps.join('; ') : 'the data do not prove either safe procedure';
}

/**
 * What speaks against "runs on the primary alone, the secondary dead": the secondary's voltage
 * reading live, the redundancy state saying fully redundant, the primary's voltage reading dead.
 * Each names both signals.
 */
function isolationDisagreements(state: AtsState, primary: Source, secondary: Source): string[] {
  const against: string[] = [];
  const vs = state.inputVoltage[secondary];
  if (vs !== undefined && vs >= LIVE_VOLTS) against.push(`its input reads ${vs} V (line voltage)`);
  if (state.redundancy === 'full') against.push('atsStatusRedundancyState says fully redundant');
  const vp = state.inputVoltage[primary];
  if (vp !== undefined && vp < LIVE_VOLTS) against.push(`primary Source ${primary} status says ok but its input reads ${vp} V`);
  return against;
}

/**
 * Where two signals of one input disagree (status against voltage, redundancy against the two
 * statuses): named in every reason. A live status still proves live; nothing here proves dead.
 */
function voltageNotes(state: AtsState): string[] {
  const notes: string[] = [];
  for (const s of ['A', 'B'] as const) {
    const v = state.inputVoltage[s];
    const st = state.sourceStatus[s];
    if (v === undefined || st === undefined) continue;
    if (st === 'fail' && v >= LIVE_VOLTS) notes.push(`Source ${s} status says failed but its input reads ${v} V`);
    if (st === 'ok' && v < LIVE_VOLTS) notes.push(`Source ${s} status says ok but its input reads ${v} V; taken as live`);
  }
  const { A, B } = state.sourceStatus;
  if (state.redundancy === 'full' && (A === 'fail' || B === 'fail'))
    notes.push(`atsStatusRedundancyState says fully redundant but Source ${A === 'fail' ? 'A' : 'B'} status says failed`);
  if (state.redundancy === 'lost' && A === 'ok' && B === 'ok') notes.push('atsStatusRedundancyState says redundancy lost but both source statuses say ok');
  return notes;
}
