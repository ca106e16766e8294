// A unit as the classifier understood it. Pure data: no SNMP, no bulletin.

export type Source = 'A' | 'B';
export type SourceStatus = 'ok' | 'fail';
export type CommStatus = 'never-discovered' | 'established' | 'lost';
export type Redundancy = 'lost' | 'full';

/** What the card says about itself. Every field is optional: devices omit things. */
export interface Identity {
  readonly model?: string;
  /** Where the model came from: the ATS branch, or sysDescr's `MN:` field. */
  readonly modelFrom?: 'atsIdentModelNumber' | 'sysDescr';
  readonly serial?: string;
  readonly hardwareRev?: string;
  /** Network management card OS (AOS), e.g. "v3.7.4". */
  readonly aosVersion?: string;
  /** AOS file name, e.g. "apc_hw02_aos_374.bin". */
  readonly aosFile?: string;
  /** ATS application on the card, e.g. "v3.7.1". */
  readonly appVersion?: string;
  /** Application file name, e.g. "apc_hw02_g2ats_371.bin". */
  readonly appFile?: string;
  /** atsIdentFirmwareRev: the switch controller's own firmware, not the card's. */
  readonly controllerFirmware?: string;
  readonly sysName?: string;
  readonly sysLocation?: string;
  readonly sysObjectID?: string;
  readonly sysDescr?: string;
}

/** Live state of a Rack ATS. `undefined` = the unit did not say (or said something invalid). */
export interface AtsState {
  readonly commStatus?: CommStatus;
  /** atsConfigPreferredSource: the primary. `none` = no preference configured. */
  readonly preferredSource?: Source | 'none';
  readonly selectedSource?: Source;
  readonly sourceStatus: { readonly A?: SourceStatus; readonly B?: SourceStatus };
  readonly redundancy?: Redundancy;
  /** Input voltages in volts; absent when unsupported (-1) or not answered. */
  readonly inputVoltage: { readonly A?: number; readonly B?: number };
  /** Output current in amps (from tenths); absent when unsupported or not answered. */
  readonly outputAmps?: number;
  /** Which object gave the output current, for the reason text. */
  readonly outputAmpsFrom?: 'atsOutputCurrent' | 'atsOutputBankCurrent';
  /** Values the unit sent that made no sense (out-of-range enum, wrong type): said in the reason. */
  readonly anomalies: readonly string[];
}

/**
 * Why an identity fact cannot be trusted: the value is not clean, or two sources of it disagree
 * (each message names both values). A doubt can only make a verdict less certain.
 */
export interface IdentityDoubts {
  /** The model cannot decide "on the bulletin or not". */
  readonly model?: string;
  /** The card's application firmware version (what a bulletin's firmware ranges judge). */
  readonly firmware?: string;
  /** The serial number (what a bulletin's serial ranges judge). */
  readonly serial?: string;
}

export type Device =
  | { readonly kind: 'ats'; readonly identity: Identity; readonly state: AtsState; readonly doubts?: IdentityDoubts }
  | {
      readonly kind: 'not-ats';
      readonly identity: Identity;
      readonly why: string;
      /** sysDescr's MN: as sent (on a PDU or UPS, the card's model): checked against the bulletins' models. */
      readonly sysDescrModel?: string;
    }
  /** Answered, but said nothing that tells what it is: never assumed to be either. */
  | { readonly kind: 'unidentified'; readonly identity: Identity; readonly why: string };
