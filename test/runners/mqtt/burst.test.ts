/**
 * A burst of QoS 0 sends on one client against a server that reads slowly (its socket backs
 * up): no MaxListenersExceededWarning, and every send settles once the server reads again.
 * MQTT.js adds one 'drain' listener per QoS 0 publish callback while the socket is backed up;
 * the session waits on one shared 'drain' instead (Transport.whenWritable).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMqttDriver } from '../../../runners/mqtt/driver.js';
import { startScriptedBroker, type ScriptedBroker } from '../../helpers/scripted-broker.js';

const BURST = 50_000;
let broker: ScriptedBroker;
const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);

beforeEach(() => {
  warnings.length = 0;
  process.on('warning', onWarning);
});
afterEach(async () => {
  process.off('warning', onWarning);
  await broker?.close();
});

it(`${BURST.toLocaleString('en-US')} QoS 0 sends on one backed-up client emit no warning and all settle`, async () => {
  let publishes = 0;
  broker = await startScriptedBroker({
    onPacket: (p, conn) => {
      // Stop reading once the inbox is subscribed: the client's socket fills up from here on.
      if (p.cmd === 'subscribe') setImmediate(() => conn.pause());
      if (p.cmd === 'publish') publishes++;
    },
  });
  const driver = createMqttDriver({ url: broker.url, mqttVersion: '3.1.1' }, { runId: 'burst' });
  const session = await driver.connect({ user: 'alice', directLevel: 0, onMessage: () => {}, timeoutMs: 2000 });
  await new Promise((r) => setTimeout(r, 20));
  const payload = Buffer.alloc(200, 1);
  let settled = 0;
  const sends = Array.from({ length: BURST }, () => session.sendToRoom('r', payload, 0).then(() => void settled++));
  await new Promise((r) => setTimeout(r, 50));
  expect(settled).toBeLessThan(BURST); // the socket really is backed up
  broker.connections[0]?.resume();
  await Promise.all(sends);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
  expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  await expect.poll(() => publishes, { timeout: 10_000 }).toBe(BURST);
  await driver.close();
}, 30_000);
