/**
 * A server that drops clients mid-run must not pass: one kicked user fails the scenario
 * (exit 1 territory), a server that goes away entirely aborts it (exit 3), and neither hangs.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from 'aedes';
import { runScenario, type EngineEvent } from '../../core/engine/index.js';
import { createMqttDriver } from '../../runners/mqtt/driver.js';
import { startEmbeddedBroker } from '../../runners/mqtt/embedded.js';
import { spec } from '../helpers/scenario.js';

async function brokerWithClients() {
  const broker = await startEmbeddedBroker();
  const clients: Client[] = [];
  broker.broker.on('clientReady', (c) => clients.push(c));
  const driver = createMqttDriver({ url: broker.url, mqttVersion: '3.1.1' }, { runId: 'loss1', embedded: true });
  return { broker, clients, driver };
}

describe('connections lost mid-run', () => {
  it('fails the scenario when the server kicks a user, naming the loss', async () => {
    const { broker, clients, driver } = await brokerWithClients();
    // Kick 400 ms into sending (timed from the send phase, so a slow connect on a busy machine does not move it).
    const onEvent = (e: EngineEvent): void => { if (e.type === 'phase' && e.phase === 'send') setTimeout(() => clients[0]?.close(), 400); };
    const r = await runScenario(spec({ users: 4, durationMs: 1000, rate: 200, drainMs: 500 }), { runId: 'loss1', driver, onEvent });
    await driver.close();
    await broker.close();
    expect(r.connections).toMatchObject({ opened: 4, lost: 1 });
    // Aedes dropped the socket: the result says who ended it (as the driver saw it) and counts it there.
    expect(r.connections.ends).toHaveLength(1);
    const end = r.connections.ends[0]!;
    expect(end.user).toMatch(/^u\d$/);
    expect(['server', 'network']).toContain(end.by);
    expect(r.connections.lostBy).toEqual({ server: 0, network: 0, chatbench: 0, [end.by]: 1 });
    expect(r.status).toBe('failed');
    expect(r.reasons.find((x) => x.kind === 'connection')).toMatchObject({ lost: 1, opened: 4 });
    // The kicked user's missing messages are undelivered, never lost: its connection did not stay
    // up. What was sent after chatbench saw the close is not owed to it at all, so fewer
    // deliveries are expected than 3 receivers x every send (how many were in flight when the
    // close was seen depends on how busy the machine is, so no count of them is asserted).
    expect(r.delivery.lost).toBe(0);
    expect(r.delivery.expected).toBeLessThan(200 * 3);
    expect(r.delivery.delivered + r.delivery.undelivered).toBe(r.delivery.expected);
  });

  it('aborts the scenario early when every connection is gone', async () => {
    const { broker, driver } = await brokerWithClients();
    setTimeout(() => void broker.close(), 400);
    const started = Date.now();
    const r = await runScenario(spec({ users: 3, rooms: { count: 1, members: 3 }, durationMs: 20_000, rate: 100 }), { runId: 'loss1', driver });
    await driver.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).toBe('aborted');
    expect(r.connections.lost).toBe(3);
    expect(r.reasons[0]).toMatchObject({ kind: 'abort', cause: 'connections-lost' });
    expect(r.reasons[0]?.message).toMatch(/every connection was lost/);
    expect(r.drain.endedBy).toBe('interrupted');
  });
});
