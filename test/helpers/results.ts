/**
 * Real run results for report tests, measured on the embedded broker: a scenario that
 * passes, one that fails a threshold (p99 < 1us) and one whose receivers lose every 7th
 * message at QoS 1 (a delivery-guarantee violation). Plus variants of a real result for the
 * cases a short test run cannot produce on demand (aborted, not run, an overloaded server,
 * a misbehaving one): the measured figures are changed, then judged again by the real
 * judge (core/verdict/judge.ts), so reasons and threshold verdicts are the ones chatbench gives.
 */
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import { decodeHistogram } from '../../core/metrics/histogram.js';
import { summarise } from '../../core/metrics/latency-summary.js';
import type { LatencySummary, RunResult, ScenarioResult } from '../../core/result/index.js';
import type { ScenarioSpec } from '../../core/scenario/types.js';
import { judge } from '../../core/verdict/judge.js';
import { openTarget } from '../../runners/index.js';
import { withFault } from './faulty-driver.js';
import { spec, thresholds } from './scenario.js';

export const TOOL_VERSION = '1.2.3-test';

/** The scenarios of the measured run, by name: variants re-judge against them. */
const SPECS: Readonly<Record<string, ScenarioSpec>> = {
  steady: spec({ name: 'steady', thresholds: thresholds('p99 < 10s', 'lost == 0') }),
  slow: spec({ name: 'slow', thresholds: thresholds('p99 < 1us', 'deliveredPerSecond >= 1') }),
  lossy: spec({ name: 'lossy', drainMs: 300, thresholds: thresholds('lost == 0') }),
};

export async function measureRunResult(): Promise<RunResult> {
  const target = await openTarget(null);
  try {
    // Scenario i runs with driver run id `${runId}${i}`: the third one ("lossy") gets the fault.
    const faulty: TargetHandle = {
      info: target.info,
      close: async () => undefined,
      createDriver: (runId) => {
        const driver = target.createDriver(runId);
        return runId.endsWith('2') ? withFault(driver, (_, m, i) => (i % 7 === 3 ? [] : [m])) : driver;
      },
    };
    const scenarios = Object.values(SPECS);
    return await runScenarios({ scenarioFile: { file: 'inline', target: null, scenarios }, target: faulty, toolVersion: TOOL_VERSION, runId: 'rpt' });
  } finally {
    await target.close();
  }
}

export function scenario(result: RunResult, name: string): ScenarioResult {
  const s = result.scenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name} in the result`);
  return s;
}

/** Judges a changed scenario again, as the engine would have judged those figures. */
function rejudge(s: ScenarioResult, aborted: { cause: 'signal'; message: string } | null = null): ScenarioResult {
  const base = SPECS[s.name];
  if (base === undefined) throw new Error(`no spec for scenario ${s.name}`);
  const { status: _status, reasons: _reasons, thresholds: _thresholds, ...measured } = s;
  return judge(base, measured, aborted);
}

function replace(result: RunResult, name: string, change: (s: ScenarioResult) => ScenarioResult): void {
  result.scenarios = result.scenarios.map((s) => (s.name === name ? change(structuredClone(s)) : s));
}

/** Interrupted during "slow" (SIGINT): "lossy" never ran. */
export function abortedVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = copy.scenarios.slice(0, 2);
  replace(copy, 'slow', (s) => rejudge(s, { cause: 'signal', message: 'interrupted by SIGINT' }));
  copy.aborted = { scenario: 'slow', cause: 'signal', message: 'interrupted by SIGINT' };
  return copy;
}

/** The target went away before "slow" could connect; "lossy" never started. */
export function unreachableVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = copy.scenarios.slice(0, 1);
  copy.aborted = { scenario: 'slow', cause: 'unreachable', message: 'cannot reach target mqtt://127.0.0.1:1: connection refused (ECONNREFUSED 127.0.0.1:1)' };
  return copy;
}

/** Only the passing scenario. */
export function passingVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  copy.scenarios = [scenario(copy, 'steady')];
  copy.selected = ['steady'];
  return copy;
}

/** The same arrived latencies with `censored` owed deliveries that never arrived after `waited` µs. */
export function censor(l: LatencySummary, censored: number, waited: number): LatencySummary {
  return summarise(decodeHistogram(l.hdr), { censored, waited });
}

export const OVERLOAD = { undelivered: 500, waitedMicros: 12_000_000 } as const;

/**
 * "steady" against a server too slow for the load: 500 owed deliveries still outstanding when
 * the drain went quiet after 12 s (so more than 1 % of latencies are censored), nothing lost.
 */
export function overloadVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  replace(copy, 'steady', (s) => {
    const n = OVERLOAD.undelivered;
    s.latency = censor(s.latency, n, OVERLOAD.waitedMicros);
    s.serviceTime = censor(s.serviceTime, n, OVERLOAD.waitedMicros);
    s.delivery.expected += n;
    s.delivery.undelivered = n;
    const q1 = s.delivery.byQos['1'];
    if (q1 === undefined) throw new Error('steady runs at QoS 1');
    q1.expected += n;
    q1.undelivered = n;
    s.drain = { endedBy: 'quiet', seconds: 12, owedAtStart: 40_000, owedAtEnd: n };
    return rejudge(s);
  });
  return copy;
}

/**
 * "steady" against a misbehaving server: QoS 2 asked and QoS 0 granted on 20 subscriptions,
 * 3 connections lost (2 closed by chatbench's keep-alive timeout, 1 by the server with a
 * reason code), sends left without their acknowledgements, and a QoS 2 PUBLISH answered
 * with a PUBACK.
 */
export function misbehavingVariant(real: RunResult): RunResult {
  const copy = structuredClone(real);
  replace(copy, 'steady', (s) => {
    s.connections.downgraded = 20;
    s.connections.downgrades = [{ asked: 2, granted: 0, count: 20 }, { asked: 2, granted: 1, count: 1 }];
    s.connections.lost = 3;
    s.connections.lostBy = { server: 1, network: 0, chatbench: 2 };
    s.connections.ends = [
      { user: 'u1', by: 'chatbench', cause: "chatbench's keep-alive timeout: no PINGRESP within 1 s" },
      { user: 'u2', by: 'chatbench', cause: "chatbench's keep-alive timeout: no PINGRESP within 1 s" },
      { user: 'u3', by: 'server', cause: 'DISCONNECT: server busy', code: 0x89 },
    ];
    s.sends = {
      failed: 13,
      unfinished: [
        { awaiting: 'PUBACK', because: 'connection-closed', count: 12 },
        { awaiting: 'PUBCOMP', because: 'stopped-waiting', count: 1 },
      ],
    };
    s.delivery.sendErrors = 13;
    s.anomalies = [{ kind: 'ack-flow', detail: 'a QoS 2 PUBLISH was answered with PUBACK (no PUBREC)', seen: ['PUBLISH qos2', 'PUBACK'], count: 20 }];
    return rejudge(s);
  });
  return copy;
}
