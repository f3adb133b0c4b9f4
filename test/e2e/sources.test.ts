/**
 * connect.sourceAddresses end to end: a scenario file asks for 4 source addresses, 40 users
 * connect, and the server sees 10 connections from each of 127.0.0.1 … 127.0.0.4 (round-robin),
 * on the embedded broker (Aedes' own view of each client's remote address) and on mosquitto
 * (its sockets in /proc/net/tcp: local port = the broker's, remote address = our source), over
 * TCP and WebSocket; through a fault proxy the proxy sees the addresses instead. An address this
 * machine does not have is a clear local error naming it, not an unreachable target.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetHandle } from '../../core/driver.js';
import { runScenarios } from '../../core/engine/index.js';
import type { EngineEvent } from '../../core/engine/index.js';
import { LocalLimitError } from '../../core/errors.js';
import { RunResult } from '../../core/result/index.js';
import { parseScenarioText } from '../../core/scenario/index.js';
import { openTarget, targetFromUrl } from '../../runners/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { describeWithMosquitto, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const FOUR = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

const scenario = (sources: string, extra = '') => `
scenarios:
  - name: spread
    users: 40
    rooms: { count: 10, members: 4 }
    rate: 200/s
    qos: 1
    duration: 1s
    warmup: 200ms
    idle: 300ms
    connect: { concurrency: 8, sourceAddresses: ${sources} }
    thresholds: ["lost == 0"]
${extra}`;

/** An established TCP socket from /proc/net/tcp: addresses and ports as the kernel holds them. */
interface TcpSocket { local: string; localPort: number; remote: string; remotePort: number }

/** "0200007F:1F90" -> 127.0.0.2, 8080: the address is the network-order word printed in host order. */
function endpointOf(field: string): { address: string; port: number } {
  const [hex = '', port = ''] = field.split(':');
  const bytes = Buffer.from(hex, 'hex');
  if (endianness() === 'LE') bytes.reverse();
  return { address: [...bytes].join('.'), port: Number.parseInt(port, 16) };
}

function establishedSockets(): TcpSocket[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '01') // TCP_ESTABLISHED
    .map((f) => {
      const local = endpointOf(f[1] ?? '');
      const remote = endpointOf(f[2] ?? '');
      return { local: local.address, localPort: local.port, remote: remote.address, remotePort: remote.port };
    });
}

/** How many of `addresses` there are of each, sorted by address. */
function tally(addresses: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of [...addresses].sort()) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

let runs = 0;
/** Runs the file's scenario; `atIdle` runs once every user is connected and joined (the idle phase). */
async function run(target: TargetHandle, yaml: string, atIdle: () => void): Promise<RunResult> {
  const file = parseScenarioText(yaml, 'sources.yaml');
  const onEvent = (e: EngineEvent): void => {
    if (e.type === 'phase' && e.phase === 'idle') atIdle();
  };
  const result = await runScenarios({ scenarioFile: file, target, toolVersion: '0', runId: `src${process.pid % 1000}${runs++}`, onEvent });
  expect(RunResult.parse(result)).toEqual(result);
  return result;
}

function expectDelivered(result: RunResult): void {
  expect(result.aborted).toBeNull();
  const s = result.scenarios[0];
  expect(s?.status).toBe('passed');
  expect(s?.connections.opened).toBe(40);
  expect(s?.delivery.delivered).toBe(s?.delivery.expected);
  expect(s?.delivery.expected).toBeGreaterThan(0);
  // The result keeps the addresses as a count and their ends, never the list.
  expect(s?.spec.connect.sources).toEqual({ count: 4, first: '127.0.0.1', last: '127.0.0.4' });
  expect(JSON.stringify(s?.spec)).not.toContain('sourceAddresses');
}

describe('on the embedded broker', () => {
  let broker: EmbeddedBroker;
  let target: TargetHandle;
  const seen: string[] = [];
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    broker.broker.on('client', (client) => {
      const remote = (client.conn as { remoteAddress?: string }).remoteAddress;
      if (remote !== undefined) seen.push(remote);
    });
    target = await openTarget(targetFromUrl(broker.url, { mqttVersion: '3.1.1' }));
  }, 20_000);
  afterAll(async () => {
    await target?.close();
    await broker?.close();
  });

  it('40 users over sourceAddresses: 4: Aedes sees 10 connections from each address', async () => {
    seen.length = 0;
    let clientSide: TcpSocket[] = [];
    const result = await run(target, scenario('4'), () => {
      clientSide = establishedSockets().filter((s) => s.remotePort === broker.port);
    });
    expectDelivered(result);
    expect(tally(seen)).toEqual(Object.fromEntries(FOUR.map((a) => [a, 10])));
    // Our own sockets agree: each bound to its address.
    expect(tally(clientSide.map((s) => s.local))).toEqual(Object.fromEntries(FOUR.map((a) => [a, 10])));
  }, 60_000);

  it('a user that reconnects comes back from its own address', async () => {
    const byClient = new Map<string, Set<string>>();
    let connects = 0;
    const record = (client: { id: string; clean: boolean; conn: unknown }): void => {
      // The users' own connections: persistent (reconnecting faults imply it). The clean connects
      // that end their sessions after the run, and the retained-message cleanup, are chatbench's
      // housekeeping and come from the system's address.
      if (client.clean) return;
      const remote = (client.conn as { remoteAddress?: string }).remoteAddress ?? '?';
      connects++;
      byClient.set(client.id, (byClient.get(client.id) ?? new Set()).add(remote));
    };
    broker.broker.on('client', record);
    try {
      const faults = '    faults: [{ disconnect: { share: 50%, at: 300ms, reconnectWithin: 200ms } }]';
      const result = await run(target, scenario('4', faults), () => undefined);
      expect(result.scenarios[0]?.connections.opened).toBe(40);
    } finally {
      broker.broker.off('client', record);
    }
    expect(connects).toBeGreaterThanOrEqual(60); // 40 users, 20 of them twice
    const users = [...byClient.values()];
    expect(users).toHaveLength(40);
    for (const addresses of users) expect(addresses.size).toBe(1);
    expect(tally(users.map((a) => [...a][0] ?? '?'))).toEqual(Object.fromEntries(FOUR.map((a) => [a, 10])));
  }, 60_000);

  it('through a fault proxy: the proxy sees the source addresses, the broker only the proxy', async () => {
    seen.length = 0;
    const sources = ['127.0.0.5', '127.0.0.6'];
    let toProxy: TcpSocket[] = [];
    const faults = '    faults: [{ network: { delay: 1ms } }]';
    const result = await run(target, scenario(`[${sources.join(', ')}]`, faults), () => {
      toProxy = establishedSockets().filter((s) => sources.includes(s.local) && s.remotePort !== broker.port);
    });
    const s = result.scenarios[0];
    expect(s?.status).toBe('passed');
    expect(s?.faults?.network?.connections).toBeGreaterThanOrEqual(40);
    expect(tally(toProxy.map((t) => t.local))).toEqual({ '127.0.0.5': 20, '127.0.0.6': 20 });
    expect(seen.filter((a) => sources.includes(a))).toEqual([]);
  }, 60_000);

  it('an address this machine does not have: a local error naming it (exit 2), not an unreachable target', async () => {
    const attempt = run(target, scenario('[192.0.2.1]'), () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(LocalLimitError);
    await expect(attempt).rejects.toThrow(/source address 192\.0\.2\.1 \(EADDRNOTAVAIL\): it is not an address of this machine/);
  }, 60_000);
});

describeWithMosquitto('on mosquitto', () => {
  let m: Mosquitto;
  beforeAll(async () => {
    m = await startMosquitto({ websocket: true });
  }, 20_000);
  afterAll(() => m?.stop());

  // Both MQTT clients (the lean one and MQTT.js) open their sockets through the same transport.
  const cases = [['tcp', 'lean'], ['tcp', 'mqttjs'], ['websocket', 'lean'], ['websocket', 'mqttjs']] as const;
  for (const [kind, client] of cases) {
    it(`40 users over sourceAddresses: 127.0.0.0/29 (${kind}, ${client}): mosquitto's sockets hold 7 or 6 connections from each of its 6 hosts`, async () => {
      const url = kind === 'tcp' ? m.url : m.wsUrl ?? '';
      const port = Number(new URL(url).port);
      const target = await openTarget(targetFromUrl(url, { mqttVersion: '5.0' }), { client });
      let serverSide: TcpSocket[] = [];
      try {
        const result = await run(target, scenario('127.0.0.0/29', ''), () => {
          serverSide = establishedSockets().filter((s) => s.localPort === port);
        });
        expect(result.scenarios[0]?.spec.connect.sources).toEqual({ count: 6, first: '127.0.0.1', last: '127.0.0.6' });
        expect(result.scenarios[0]?.status).toBe('passed');
        expect(result.target.mapping?.['client']).toBe(client);
      } finally {
        await target.close();
      }
      // 40 users round-robin over 6 addresses: 7 from the first four, 6 from the last two.
      expect(tally(serverSide.map((s) => s.remote))).toEqual({
        '127.0.0.1': 7, '127.0.0.2': 7, '127.0.0.3': 7, '127.0.0.4': 7, '127.0.0.5': 6, '127.0.0.6': 6,
      });
    }, 60_000);
  }
});
