/**
 * `npm run bench:connections` (bench/connections.ts, run from dist/ like the CLI tests): a small
 * run against a real mosquitto prints every figure it promises and leaves no mosquitto behind;
 * its sizing says plainly when the open-file limit or the ports of the source addresses make it
 * run differently from what was asked.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectionsScenario, portsPerAddress, rssFromStatus, sizeRun } from '../../bench/connections-plan.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import '../../runners/index.js';
import { processAlive } from '../../runners/local/process.js';
import { describeWithMosquitto } from '../helpers/mosquitto.js';

const BENCH = fileURLToPath(new URL('../../dist/bench/connections.js', import.meta.url));

describe('sizing', () => {
  it('a request the open-file limit cannot hold runs the most it can, and says why', () => {
    const s = sizeRun(50_000, undefined, { soft: 20_000, hard: 20_000 }, 28_232);
    expect(s.connections).toBe(19_800);
    expect(s.notes[0]).toMatch(/^ulimit -n is 20,000 \(hard 20,000\).*running 19,800 instead/);
    expect(sizeRun(50_000, undefined, { soft: 1_048_576, hard: 1_048_576 }, 28_232)).toEqual({ requested: 50_000, connections: 50_000, sources: 4, notes: [] });
  });

  it('sources: enough that no address uses more than half its ports, never fewer than asked', () => {
    expect(sizeRun(200_000, 2, undefined, 28_232).sources).toBe(15); // 200,000 / 14,116 -> 15
    expect(sizeRun(200_000, 2, undefined, 28_232).notes[0]).toMatch(/^--sources 2 gives 56,464 local ports at most; using 15 source addresses/);
    expect(sizeRun(1_000, 40, undefined, 28_232).sources).toBe(40);
  });

  it('reads the ephemeral port range and a VmRSS line', () => {
    expect(portsPerAddress('32768\t60999\n')).toBe(28_232);
    expect(portsPerAddress('garbage')).toBe(28_232);
    expect(rssFromStatus('Name:\tmosquitto\nVmRSS:\t   12345 kB\n')).toBe(12_345 * 1024);
  });

  it('the scenario it runs is a valid file: N users, the ramp, the sources, the hold', () => {
    const file = parseScenarioText(connectionsScenario({ connections: 3_000, rate: 2_000, sources: 4, holdSeconds: 10, timeoutSeconds: 30 }), 'x.yaml', { target: 'mqtt://127.0.0.1:1883' });
    const s = file.scenarios[0];
    expect(s?.users).toBe(3_000);
    expect(s?.idleMs).toBe(10_000);
    expect(s?.connect).toMatchObject({ rate: 2_000, timeoutMs: 30_000, sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'] });
  });
});

describeWithMosquitto('bench:connections against mosquitto', () => {
  it('300 connections over 3 sources: reached, held, rate, connect-time histogram, memory per connection; mosquitto stopped', async () => {
    expect(existsSync(BENCH), 'run npm run build first').toBe(true);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', BENCH, '--connections', '300', '--rate', '1000', '--sources', '3', '--hold', '1'], { timeout: 90_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`${err.message}\n${out}\n${errOut}`));
        else resolve(out);
      });
    });
    expect(stdout).toContain('command: npm run bench:connections -- --connections 300 --rate 1000 --sources 3 --hold 1 --mqtt-version 3.1.1 --mqtt-client auto');
    expect(stdout).toContain('connections reached: 300 of 300; held 1 s (300 still connected at the end of the hold)');
    expect(stdout).toMatch(/^connect rate: [\d,]+\/s \(300 in \d+\.\d\d s; asked 1,000\/s\)$/m);
    expect(stdout).toMatch(/^connect time: p50 [\d.]+ m?s.*p99 [\d.]+ .*max [\d.]+ .*\(300 connections\)$/m);
    expect(stdout).toMatch(/^chatbench RSS: [\d.]+ MB before, [\d.]+ MB held: [\d.]+ KB per connection$/m);
    expect(stdout).toMatch(/^chatbench heap: .* KB per connection$/m);
    expect(stdout).toMatch(/^mosquitto RSS: .* KB per connection$/m);
    expect(stdout).not.toMatch(/^broke:/m);
    const pid = Number(/\(PID (\d+)\)/.exec(stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(processAlive(pid)).toBe(false);
  }, 120_000);
});
