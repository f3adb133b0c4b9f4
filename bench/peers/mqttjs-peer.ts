/**
 * A plain MQTT.js publisher/subscriber, run as its own process by bench:peers: one subscriber
 * counts what arrives (first and last receipt time), N publishers publish in a loop that respects
 * backpressure (at most WINDOW publishes not yet completed per publisher: for QoS 0 that is the
 * socket write, for QoS 1 the PUBACK). Prints one JSON line: received, the receipt span and its
 * own CPU time (process.cpuUsage). Nothing is checked per message: that is what "plain" means.
 *
 *   node dist/bench/peers/mqttjs-peer.js '{"url":"mqtt://127.0.0.1:1883","topic":"t","qos":0,"publishers":8,"perPublisher":25000,"payloadBytes":64}'
 */
import { connectAsync, type MqttClient } from 'mqtt';

export interface MqttjsPeerArgs {
  url: string;
  topic: string;
  qos: 0 | 1;
  publishers: number;
  perPublisher: number;
  payloadBytes: number;
}

export interface MqttjsPeerReport {
  received: number;
  /** Milliseconds between the first and the last receipt. */
  spanMs: number;
  cpuSeconds: number;
}

/** Publishes a publisher may have outstanding; the same as mosquitto_pub's -M in bench:peers. */
const WINDOW = 1000;
/** With no new receipt for this long the subscriber gives up and reports what it got. */
const STALL_MS = 5_000;

function publishAll(client: MqttClient, a: MqttjsPeerArgs, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let open = 0;
    const pump = (): void => {
      while (open < WINDOW && sent < a.perPublisher) {
        sent++;
        open++;
        client.publish(a.topic, payload, { qos: a.qos }, (err) => {
          open--;
          done++;
          if (err) reject(err);
          else if (done === a.perPublisher) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

async function main(a: MqttjsPeerArgs): Promise<MqttjsPeerReport> {
  const start = process.cpuUsage();
  const total = a.publishers * a.perPublisher;
  const subscriber = await connectAsync(a.url, { clientId: `peers-mqttjs-sub-${process.pid}` });
  let received = 0;
  let first = 0;
  let last = 0;
  const allIn = new Promise<void>((resolve) => {
    const stall = setTimeout(resolve, STALL_MS);
    subscriber.on('message', () => {
      last = performance.now();
      if (received++ === 0) first = last;
      if (received % 1000 === 0) stall.refresh();
      if (received >= total) {
        clearTimeout(stall);
        resolve();
      }
    });
  });
  await subscriber.subscribeAsync(a.topic, { qos: a.qos });
  const publishers = await Promise.all(Array.from({ length: a.publishers }, (_, i) => connectAsync(a.url, { clientId: `peers-mqttjs-pub-${process.pid}-${i}` })));
  const payload = Buffer.alloc(a.payloadBytes, 'x');
  await Promise.all(publishers.map((p) => publishAll(p, a, payload)));
  await allIn;
  const cpu = process.cpuUsage(start);
  await Promise.all([subscriber, ...publishers].map((c) => c.endAsync()));
  return { received, spanMs: last - first, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const arg = process.argv[2];
if (arg !== undefined) {
  main(JSON.parse(arg) as MqttjsPeerArgs).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (err: unknown) => {
      process.stderr.write(`mqttjs peer: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
