import { describe, expect, it } from 'vitest';
import {
  cpuRatio, cpuRatioLine, goalLine, goalsFor, judgeGoal, parseReceiptTimes, rateRatio, ratioLine, receiptRate, waitedChildTicks,
  type PeerResult,
} from '../../bench/peers/figures.js';
import { rssFigures, rssLines } from '../../bench/peers/long.js';
import { parseMqttjsReport } from '../../bench/peers/mqttjs.js';
import { parseWrapperOutput, shellLine } from '../../bench/peers/processes.js';
import { summaryLines, workloadLines, type WorkloadResult } from '../../bench/peers/report.js';
import { disconnectLines } from '../../bench/peers/c-clients.js';
import { parseTsungLog, tsungConfig, tsungPerPublisher, tsungRate, TSUNG_MAX_IDS } from '../../bench/peers/tsung.js';
import { pickWorkloads, workloadScenario, WORKLOADS } from '../../bench/peers/workloads.js';

const measured = (deliveredPerSecond: number, cpuPerMessage: number | null): PeerResult => ({
  kind: 'measured', figure: { deliveredPerSecond, cpuPerMessage }, delivered: 1000, expected: 1000, command: 'cmd',
});

// A /proc/PID/stat line of a shell (proc(5) fields 1..52): utime 3, stime 1, cutime 250, cstime 40.
// The command name holds a space and a ")" to show fields are counted from the last ")".
const STAT = '4242 (s h) x) S 4200 4242 4200 0 -1 4194560 120 5000 0 0 3 1 250 40 20 0 1 0 777 2600000 200 18446744073709551615 0 0 0 0 0 0 0 0 65536 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('peer outputs', () => {
  it('reads mosquitto_sub -F %U receipt times, skipping the readiness probe', () => {
    const text = '1764661400.000000000\n1764661401.000000000\n1764661401.500000000\nnot a time\n1764661403.000000000\n';
    const r = parseReceiptTimes(text, 1);
    expect(r).toEqual({ count: 3, firstSeconds: 1764661401, lastSeconds: 1764661403 });
    expect(receiptRate(r!)).toBeCloseTo(1.5, 6); // 3 receipts over 2 s
    expect(parseReceiptTimes('1764661400.1\n', 1)).toBeNull();
    expect(receiptRate({ count: 1, firstSeconds: 5, lastSeconds: 5 })).toBeNull();
  });

  it('takes the waited-for children CPU (cutime + cstime, fields 16-17) from a stat line', () => {
    expect(waitedChildTicks(STAT)).toBe(290);
    expect(waitedChildTicks('garbage')).toBeUndefined();
  });

  it('splits the wrapper output into the client PID, its CPU ticks and the rest', () => {
    const out = parseWrapperOutput(`pid 4243\nError: connection refused\n${STAT}\n`);
    expect(out).toEqual({ pid: 4243, ticks: 290, rest: 'Error: connection refused' });
  });

  it('reads the MQTT.js child report, the last JSON line', () => {
    expect(parseMqttjsReport('noise\n{"received":10,"spanMs":5,"cpuSeconds":0.25}\n')).toEqual({ received: 10, spanMs: 5, cpuSeconds: 0.25 });
    expect(parseMqttjsReport('{"received":"10"}\n')).toBeNull();
  });

  it('reads Tsung stats dumps and rates from the first to the last interval with receipts', () => {
    const log = [
      '# stats: dump at 100', 'stats: users 1 1',
      '# stats: dump at 101', 'stats: mqtt_server_published 4000 4000',
      '# stats: dump at 102', 'stats: mqtt_server_published 0 4000',
      '# stats: dump at 103', 'stats: mqtt_server_published 2000 6000',
      '# stats: dump at 104', 'stats: mqtt_server_published 0 6000',
    ].join('\n');
    const dumps = parseTsungLog(log);
    expect(dumps.map((d) => d.received)).toEqual([0, 4000, 0, 2000, 0]);
    expect(tsungRate(dumps)).toEqual({ received: 6000, perSecond: 3000 }); // 6000 over 101..103
    expect(tsungRate(dumps.slice(0, 2)).perSecond).toBeNull();
  });

  it('writes a Tsung config with one subscriber and a session per publisher', () => {
    const w = WORKLOADS.find((x) => x.name === 'fan-in qos1')!;
    const xml = tsungConfig(w, 1883, 500, 12);
    expect(xml.match(/session="pub"/g)).toHaveLength(8);
    expect(xml).toContain('to="500"');
    expect(xml).toContain('qos="1"');
    expect(xml).toContain('timeout="12"');
    expect(xml).toContain('port="1883"');
  });

  it('quotes shell words that need it', () => {
    expect(shellLine(['node', 'a.js', '{"x":1}', "it's"])).toBe(`node a.js '{"x":1}' 'it'\\''s'`);
  });
});

describe('ratios and goals', () => {
  it('prints ratios exactly as the issue names them', () => {
    expect(ratioLine('c-clients', 'fan-in qos0', 1.234)).toBe('ratio chatbench/c-clients fan-in qos0: 1.23');
    expect(cpuRatioLine('pair qos1', 0.5)).toBe('ratio chatbench/c-clients cpu-per-message pair qos1: 0.50');
  });

  it('gives no ratio without both figures', () => {
    const cb = { deliveredPerSecond: 200, cpuPerMessage: 2e-6 };
    expect(rateRatio(cb, measured(100, 1e-6))).toBe(2);
    expect(cpuRatio(cb, measured(100, 1e-6))).toBe(2);
    expect(rateRatio(null, measured(100, 1e-6))).toBeNull();
    expect(rateRatio(cb, { kind: 'unavailable', reason: 'not installed' })).toBeNull();
    expect(cpuRatio(cb, measured(100, null))).toBeNull();
  });

  it('sets the issue 11 goals for the workloads measured', () => {
    const goals = goalsFor(WORKLOADS).map((g) => `${g.ratio} ${g.kind} ${g.bound}`);
    expect(goals).toEqual([
      'chatbench/c-clients fan-in qos0 rate 1', 'chatbench/mqttjs fan-in qos0 rate 2', 'chatbench/tsung fan-in qos0 rate 3',
      'chatbench/c-clients fan-in qos1 rate 1', 'chatbench/c-clients pair qos1 rate 1',
      'chatbench/c-clients cpu-per-message fan-in qos0 cpu 1.5', 'chatbench/c-clients cpu-per-message fan-in qos1 cpu 1.5',
      'chatbench/c-clients cpu-per-message pair qos0 cpu 1.5', 'chatbench/c-clients cpu-per-message pair qos1 cpu 1.5',
    ]);
  });

  it('judges rates as at least and CPU as at most the bound', () => {
    const [rate, , , , , cpu] = goalsFor(WORKLOADS);
    expect(judgeGoal(rate!, 1)).toBe('holds');
    expect(judgeGoal(rate!, 0.99)).toBe('misses');
    expect(judgeGoal(cpu!, 1.5)).toBe('holds');
    expect(judgeGoal(cpu!, 1.51)).toBe('misses');
    expect(judgeGoal(cpu!, null)).toBe('not measured');
    expect(goalLine(rate!, 0.5)).toBe('goal chatbench/c-clients fan-in qos0 >= 1: misses (0.50)');
  });

  it('reports a workload: every figure, a ratio line only where both sides measured, and the summary', () => {
    const w = WORKLOADS[0]!;
    const r: WorkloadResult = {
      workload: w,
      chatbench: { figure: { deliveredPerSecond: 30_000, cpuPerMessage: 3e-6 }, detail: 'lag p99 800 µs', command: 'npm run bench:peers' },
      peers: { 'c-clients': measured(20_000, 2e-6), mqttjs: measured(10_000, 8e-6), tsung: { kind: 'unavailable', reason: 'not installed (apt-get install tsung)' } },
    };
    const lines = workloadLines(r);
    expect(lines).toContain('ratio chatbench/c-clients fan-in qos0: 1.50');
    expect(lines).toContain('ratio chatbench/mqttjs fan-in qos0: 3.00');
    expect(lines).toContain('ratio chatbench/c-clients cpu-per-message fan-in qos0: 1.50');
    expect(lines).toContain('  tsung: not installed (apt-get install tsung)');
    expect(lines.some((l) => l.startsWith('ratio chatbench/tsung'))).toBe(false);
    const summary = summaryLines([r]);
    expect(summary).toContain('  goal chatbench/c-clients fan-in qos0 >= 1: holds (1.50)');
    expect(summary).toContain('  goal chatbench/tsung fan-in qos0 >= 3: not measured (no figure)');
  });
});

describe('workloads and memory', () => {
  it('builds chatbench scenarios of the workload shape through the scenario parser', () => {
    const { spec, target } = workloadScenario(WORKLOADS[1]!, { url: 'mqtt://127.0.0.1:1883' }, 5000, 2);
    expect(target.url).toBe('mqtt://127.0.0.1:1883');
    expect(spec).toMatchObject({ users: 9, fanIn: { receivers: 1 }, qos: 1, payloadBytes: 64, rate: 5000, durationMs: 2000 });
    expect(pickWorkloads('pair-qos1,fan-in qos0').map((w) => w.name)).toEqual(['fan-in qos0', 'pair qos1']);
    expect(() => pickWorkloads('fan-out')).toThrow(/unknown workload fan-out/);
  });

  it('reads RSS after a minute and at the end', () => {
    const samples = [10, 60, 70, 600].map((s, i) => ({ atMs: s * 1000, rssBytes: (100 + i) * 1024 * 1024 }));
    const f = rssFigures(samples)!;
    expect(f.atMinute.atMs).toBe(60_000);
    expect(f.ratio).toBeCloseTo(103 / 101, 9);
    expect(rssLines(samples, 'cmd')).toContain('goal rss end/1min <= 1.1: holds (1.020)');
    expect(rssFigures(samples.slice(0, 1))).toBeNull();
  });
});

describe('peer limits and evidence', () => {
  it('keeps a Tsung QoS 1 connection under 65,536 publishes (its packet ids never wrap)', () => {
    const [fanIn0, fanIn1, , pair1] = WORKLOADS;
    expect(tsungPerPublisher(pair1!, 200_000)).toBe(TSUNG_MAX_IDS);
    expect(TSUNG_MAX_IDS).toBeLessThan(65_536);
    expect(tsungPerPublisher(fanIn1!, 200_000)).toBe(25_000);
    expect(tsungPerPublisher(fanIn0!, 800_000)).toBe(100_000); // QoS 0 has no packet ids
  });

  it("picks the broker's disconnect lines about this workload's clients", () => {
    const log = [
      '1796199657: New client connected from 127.0.0.1:39414 as peers-pub-pair-qos1-0 (p2, c1, k60).',
      '1796199662: Client peers-pub-pair-qos1-0 disconnected due to out of memory.',
      '1796199663: Client peers-pub-fan-in-qos1-3 disconnected.',
    ].join('\n');
    expect(disconnectLines(log, WORKLOADS[3]!)).toEqual(['1796199662: Client peers-pub-pair-qos1-0 disconnected due to out of memory.']);
  });
});
