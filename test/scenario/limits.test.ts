import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { normaliseScenarioData, parseScenarioText } from '../../core/scenario/index.js';
import { ABSOLUTE_CAPS, checkWorkload, estimateNeeds, openFileLimits } from '../../core/scenario/limits.js';
import type { LimitContext, MachineFacts } from '../../core/scenario/limits.js';
import { limitsFor } from '../../core/target.js';
import '../../runners/index.js'; // registers MQTT: the embedded server and mqtt:// targets are its
import { BIN, runCli, scenarioFile } from '../helpers/cli.js';

const GiB = 2 ** 30;
/** A big machine: only the fact a test changes can refuse a workload. */
const ROOMY: MachineFacts = { totalMemoryBytes: 256 * GiB, availableMemoryBytes: 200 * GiB, heapLimitBytes: 64 * GiB, openFiles: { soft: 1_048_576, hard: 1_048_576 } };
const MQTT_MAX = limitsFor(null)?.maxPayloadBytes ?? 0;
const remote = (machine: Partial<MachineFacts> = {}): LimitContext => ({ protocol: { name: 'mqtt', maxPayloadBytes: MQTT_MAX }, embedded: false, machine: { ...ROOMY, ...machine } });
const workload = (w: Partial<{ users: number; rooms: { count: number; members: number }; directPairs: number; rate: number; payloadBytes: number }>) => ({
  users: 10, rooms: { count: 1, members: 10 }, directPairs: 0, rate: 100, payloadBytes: 128, ...w,
});

function inputError(text: string): InputError {
  try {
    parseScenarioText(text, 'x.yaml');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('impossible workloads are refused before the run', () => {
  it('users: 1e9 -> exit 2 at the value, naming the cap (today: "JavaScript heap out of memory" 31 s in)', () => {
    const error = inputError('scenarios:\n  - name: huge\n    users: 1e9\n');
    expect(error.exitCode).toBe(2);
    expect(error.issues).toEqual([
      { file: 'x.yaml', line: 3, column: 12, path: 'scenarios[0].users', message: `users (1,000,000,000) is more than one chatbench process can connect (at most ${ABSOLUTE_CAPS.users.toLocaleString('en-US')})` },
    ]);
  });

  it('payload: 256MiB -> refused naming the protocol limit (MQTT Remaining Length is at most 268,435,455 bytes)', () => {
    // MQTT 3.1.1 §2.2.3 / 5.0 §1.5.5: the Remaining Length's largest value is 268,435,455, and a
    // PUBLISH's Remaining Length also holds its topic (and properties): a payload is less than that.
    expect(MQTT_MAX).toBeGreaterThan(268_000_000);
    expect(MQTT_MAX).toBeLessThan(268_435_455);
    for (const target of ['', 'target: { url: "mqtt://127.0.0.1:1883" }\n']) {
      // 1 msg/s: a second of sends in flight (256 MiB) fits any test machine; only the protocol refuses it.
      const error = inputError(`${target}scenarios:\n  - name: big\n    rate: 1/s\n    payload: 256MiB\n`);
      expect(error.exitCode).toBe(2);
      expect(error.issues.map((i) => [i.path, i.message])).toEqual([
        ['scenarios[0].payload', `payload (256MiB = 268,435,456 bytes) is more than one MQTT message can carry: at most ${MQTT_MAX.toLocaleString('en-US')} bytes (the protocol's largest packet, less its headers)`],
      ]);
    }
    // The largest payload the protocol carries is not refused for being too big.
    expect(checkWorkload(workload({ payloadBytes: MQTT_MAX, rate: 1 }), remote())).toEqual([]);
    expect(checkWorkload(workload({ payloadBytes: MQTT_MAX + 1, rate: 1 }), remote()).map((i) => i.field)).toEqual([['payload']]);
  });

  it('caps rooms and rate per process', () => {
    const issues = checkWorkload(workload({ rooms: { count: 2_000_000, members: 2 }, rate: 5_000_000 }), remote());
    expect(issues.map((i) => [i.field.join('.'), i.message])).toEqual([
      ['rooms.count', 'rooms.count (2,000,000) is more than one chatbench process can plan (at most 1,000,000)'],
      ['rate', 'rate (5,000,000) is more than one chatbench process can send per second (at most 1,000,000)'],
    ]);
  });
});

describe('file descriptors', () => {
  it('20,000 connections against ulimit -n 1,024 name both numbers and the fix', () => {
    const low = { openFiles: { soft: 1_024, hard: 1_048_576 } };
    expect(checkWorkload(workload({ users: 20_000 }), remote(low))).toEqual([
      { field: ['users'], message: '20,000 connections need 20,064 file descriptors; ulimit -n is 1,024 (raise it with ulimit -n 65536)' },
    ]);
    // The embedded server's end of each connection is in this process too.
    expect(checkWorkload(workload({ users: 20_000 }), { ...remote(low), embedded: true })[0]?.message).toBe(
      '20,000 connections to the embedded server (both ends run in this process) need 40,064 file descriptors; ulimit -n is 1,024 (raise it with ulimit -n 65536)',
    );
  });

  it('says when the hard limit is in the way, and passes what fits', () => {
    const hard = { openFiles: { soft: 1_024, hard: 4_096 } };
    expect(checkWorkload(workload({ users: 20_000 }), remote(hard))[0]?.message).toBe(
      '20,000 connections need 20,064 file descriptors; ulimit -n is 1,024 (the hard limit is 4,096 too: raise it (limits.conf, systemd LimitNOFILE) or run fewer users)',
    );
    expect(checkWorkload(workload({ users: 960 }), remote(hard))).toEqual([]); // 960 + 64 = 1,024
    expect(checkWorkload(workload({ users: 961 }), remote(hard))).toHaveLength(1);
    // No limit known (not Linux, or unlimited): the check is skipped.
    expect(checkWorkload(workload({ users: 20_000 }), remote({ openFiles: undefined }))).toEqual([]);
  });

  it('reads the soft and hard limit from /proc/self/limits', () => {
    const proc = 'Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 524288               files     \n';
    expect(openFileLimits(proc)).toEqual({ soft: 1024, hard: 524288 });
    expect(openFileLimits(proc.replace('1024                 524288', 'unlimited            unlimited'))).toBeUndefined();
    expect(openFileLimits('')).toBeUndefined();
  });

  it('points at the field the author wrote, in defaults: too (line:column)', () => {
    const data = { defaults: { users: 30_000 }, scenarios: [{ name: 'a', rooms: { count: 1, members: 2 } }] };
    const { value, issues } = normaliseScenarioData(data, { baseDir: '/', machine: { ...ROOMY, openFiles: { soft: 1_024, hard: 1_048_576 } } });
    expect(value).toBeNull();
    expect(issues).toEqual([
      { path: ['defaults', 'users'], at: 'value', message: expect.stringMatching(/^30,000 connections to the embedded server .* need 60,064 file descriptors; ulimit -n is 1,024 .*\(in scenario "a"\)$/) },
    ]);
  });
});

describe('memory', () => {
  it('refuses connections that need more memory than the machine has available', () => {
    const small = { totalMemoryBytes: 2 * GiB, availableMemoryBytes: 1 * GiB };
    expect(checkWorkload(workload({ users: 100_000, rooms: { count: 50_000, members: 2 } }), remote(small))).toEqual([
      {
        field: ['users'],
        message: '100,000 connections (3.05 GiB), 100,000 member pairs (15.3 MiB) and one second of 128B sends in flight (12.5 KiB) '
          + 'need about 3.07 GiB of memory; this machine has 1 GiB available (2 GiB in all): run fewer users or shard the run',
      },
    ]);
  });

  it('blames rooms.members when a big room costs most (every member receives every other member)', () => {
    const needs = estimateNeeds(workload({ users: 10_000, rooms: { count: 1, members: 10_000 } }), false);
    expect(needs.memberPairs).toBe(10_000 * 9_999);
    const issues = checkWorkload(workload({ users: 10_000, rooms: { count: 1, members: 10_000 } }), remote({ availableMemoryBytes: 8 * GiB }));
    expect(issues.map((i) => i.field)).toEqual([['rooms', 'members']]);
    expect(issues[0]?.message).toMatch(/^10,000 connections \(313 MiB\), 99,990,000 member pairs \(14\.9 GiB\) .* need about 15\.2 GiB of memory; this machine has 8 GiB available .*: use smaller rooms or shard the run$/);
  });

  it('refuses what fits in memory but not in the JavaScript heap, with the flag that raises it', () => {
    const issues = checkWorkload(workload({ users: 20_000 }), remote({ heapLimitBytes: 256 * 2 ** 20 }));
    expect(issues).toEqual([
      { field: ['users'], message: '20,000 connections and 90 member pairs need about 313 MiB of JavaScript heap; the heap limit is 256 MiB (raise it with NODE_OPTIONS=--max-old-space-size=391, or run fewer users)' },
    ]);
  });

  it('counts one second of payloads in flight, and blames the payload when that is what costs most', () => {
    const needs = estimateNeeds(workload({ users: 2, rooms: { count: 0, members: 0 }, directPairs: 1, rate: 1_000, payloadBytes: 1_048_576 }), false);
    expect(needs.memory.inFlight).toBe(1_000 * 1_048_576);
    const issues = checkWorkload(workload({ rate: 1_000, payloadBytes: 1_048_576 }), remote({ availableMemoryBytes: 512 * 2 ** 20 }));
    expect(issues.map((i) => i.field)).toEqual([['payload']]);
    expect(issues[0]?.message).toMatch(/one second of 1MiB sends in flight \(1000 MiB\) need about 1000 MiB of memory; .*: lower the payload or the rate$/);
  });

  it('lets the scenarios that ship with chatbench run on this machine', async () => {
    const text = await readFile(new URL('../../scenarios.yaml', import.meta.url), 'utf8');
    expect(parseScenarioText(text, 'scenarios.yaml').scenarios.length).toBeGreaterThan(0);
  });
});

describe('chatbench run refuses them before connecting (CLI, needs npm run build)', () => {
  it('exits 2 with every reason at line:column', async () => {
    const path = scenarioFile('scenarios:\n  - name: huge\n    users: 1e9\n  - name: big\n    rate: 1/s\n    payload: 256MiB\n');
    const run = await runCli(['run', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}:3:12: scenarios[0].users: users (1,000,000,000) is more than one chatbench process can connect`);
    expect(run.stderr).toContain(`${path}:6:14: scenarios[1].payload: payload (256MiB = 268,435,456 bytes) is more than one MQTT message can carry`);
    expect(run.stderr).not.toMatch(/heap out of memory|Invalid variable byte integer/);
  });

  it('reads the real open-file limit: 300 users on the embedded server under ulimit -n 256', () => {
    const path = scenarioFile('scenarios:\n  - name: many\n    users: 300\n');
    const run = spawnSync('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${BIN}" run "${path}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('300 connections to the embedded server (both ends run in this process) need 664 file descriptors; ulimit -n is 256');
  });
});
