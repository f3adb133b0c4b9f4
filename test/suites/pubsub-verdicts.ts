/**
 * For the publish / subscribe suite tests: check a broker's verdicts against the list written
 * after reading each against the spec, and run one case through the tamper proxy (a mosquitto
 * made to break one rule) to show the case fails when that rule is broken.
 */
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ConformCase } from '../../core/conform/case.js';
import type { CaseVerdict } from '../../core/result/conform.js';
import type { MqttCaseContext } from '../../suites/mqtt/context.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { conformCases, describeVerdicts } from '../helpers/conform.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startTamperProxy, type TamperHooks } from '../helpers/tamper-proxy.js';

export type Version = '3.1.1' | '5';

/** What a case is expected to give on one broker and version, when not a pass: a skip, or a fail of exactly these statements. */
export type Exception = 'skip' | { fail: string[] };

/** Runs every case of `cases` for `version` and checks each verdict: pass unless `exceptions` says otherwise. */
export async function expectVerdicts(url: string, version: Version, cases: readonly ConformCase<MqttCaseContext>[], exceptions: Readonly<Record<string, Exception>>, profile: Record<string, unknown> = {}): Promise<CaseVerdict[]> {
  const ids = new Set(cases.map((c) => c.id));
  const { verdicts } = await conformCases(url, version, (c) => ids.has(c.id), profile);
  const runs = cases.filter((c) => c.statements[version] !== undefined).map((c) => c.id);
  const shown = describeVerdicts(verdicts);
  expect(verdicts.map((v) => v.id).sort(), shown).toEqual([...runs].sort());
  for (const id of Object.keys(exceptions)) expect(runs, `exception for a case that does not run on ${version}: ${id}`).toContain(id);
  for (const v of verdicts) {
    const want = exceptions[v.id];
    if (want === undefined) expect(v.verdict, `${v.id}@${version}\n${shown}`).toBe('pass');
    else if (want === 'skip') expect(v.verdict, `${v.id}@${version}\n${shown}`).toBe('skip');
    else {
      expect(v.verdict, `${v.id}@${version}\n${shown}`).toBe('fail');
      expect([...new Set(v.failures.map((f) => f.statement))].sort(), `${v.id}@${version}\n${shown}`).toEqual([...want.fail].sort());
      expect(v.evidence.length, `${v.id}@${version}: a failing raw case keeps its bytes`).toBeGreaterThan(0);
    }
  }
  return verdicts;
}

/** The verdict of one case run through a tamper proxy in front of `brokerUrl`. */
export async function tampered(brokerUrl: string, version: Version, caseId: string, hooks: TamperHooks, profile: Record<string, unknown> = {}): Promise<CaseVerdict> {
  const proxy = await startTamperProxy(brokerUrl, hooks);
  try {
    const { verdicts } = await conformCases(proxy.url, version, (c) => c.id === caseId, profile);
    const v = verdicts[0];
    if (v === undefined || verdicts.length !== 1) throw new Error(`expected one verdict for ${caseId}@${version}, got ${verdicts.length}`);
    return v;
  } finally {
    await proxy.close();
  }
}

/** Asserts `v` failed on `statement` (among possibly others), with bytes as evidence. */
export function expectFailOn(v: CaseVerdict, statement: string): void {
  const shown = describeVerdicts([v]);
  expect(v.verdict, shown).toBe('fail');
  expect(v.failures.map((f) => f.statement), shown).toContain(statement);
  expect(v.evidence.length, shown).toBeGreaterThan(0);
}

/** Aedes and mosquitto for the whole test file: started before its tests, stopped after. */
export function brokersForFile(): { aedes: () => EmbeddedBroker; mosquitto: () => Mosquitto } {
  let aedes: EmbeddedBroker | undefined;
  let mosquitto: Mosquitto | undefined;
  beforeAll(async () => {
    [aedes, mosquitto] = await Promise.all([startEmbeddedBroker(), startMosquitto()]);
  });
  afterAll(async () => {
    await Promise.all([aedes?.close(), mosquitto?.stop()]);
  });
  const started = <T>(b: T | undefined): T => b ?? expect.fail('the brokers did not start');
  return { aedes: () => started(aedes), mosquitto: () => started(mosquitto) };
}

/** `p` with fields replaced: the packet a tamper hook sends instead. */
export function edit<P extends Packet>(p: P, change: Partial<P>): (Packet | Buffer)[] {
  return [{ ...p, ...change } as Packet];
}
