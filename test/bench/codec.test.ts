/**
 * `npm run bench:codec` as a process (built first, as `npm test` does): one MQTT and one XMPP line
 * per payload size, each with its ops/s and encoded size, and the ratio of the two. The MQTT
 * sizes are exact: a QoS 1 PUBLISH is 1 byte of fixed header, the remaining length (1 byte up to
 * 127, 2 up to 16,383), 2 + 24 bytes of topic ("chatbench/bench1/room/r0"), a 2-byte packet
 * identifier and the payload (MQTT 3.1.1 §3.3). Speed is not asserted: other tests share the cores.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../../dist/bench/codec.js', import.meta.url));

it('prints ops/s and encoded sizes for MQTT and XMPP at each payload size, and their ratio', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BENCH], { env: { ...process.env, CHATBENCH_BENCH_MS: '30' }, timeout: 60_000 });
  const line = (protocol: string, size: number) => {
    const m = new RegExp(`^${protocol} ${size} B\\s+([\\d,]+) ops/s\\s+(\\d+) bytes encoded(?:\\s+ratio MQTT/XMPP ([\\d.]+)x)?$`, 'm').exec(stdout);
    if (m === null) throw new Error(`no ${protocol} ${size} B line in:\n${stdout}`);
    return { ops: Number(m[1]?.replace(/,/g, '')), bytes: Number(m[2]), ratio: m[3] === undefined ? null : Number(m[3]) };
  };
  for (const [size, header] of [[64, 2], [256, 3], [4096, 3]] as const) {
    const mqtt = line('MQTT', size);
    const xmpp = line('XMPP', size);
    expect(mqtt.bytes).toBe(header + 2 + 24 + 2 + size);
    // The body is base64: 4 characters per 3 bytes, inside the stanza's markup.
    expect(xmpp.bytes).toBeGreaterThan(Math.ceil(size / 3) * 4);
    expect(mqtt.ops).toBeGreaterThan(0);
    expect(xmpp.ops).toBeGreaterThan(0);
    expect(xmpp.ratio).toBeCloseTo(mqtt.ops / xmpp.ops, 1);
  }
}, 90_000);
