/**
 * Keeps a resumed session's queued messages ahead of the ones published during the resume.
 *
 * Why it exists. Aedes 1.2.0 (lib/handlers/connect.js) runs its connect steps in the order
 * fetchSubs, restoreSubs, storeWill, registerClient, cleanIncoming, doConnack, emptyQueue.
 * restoreSubs puts a Clean Session 0 client's subscriptions back into the emitter before
 * emptyQueue writes the stored backlog one packet per callback, so a message published
 * meanwhile is written at once by the client's deliverQoS / deliver0 (lib/client.js) and
 * overtakes queued messages of the same topic (moscajs/aedes#649). That breaks 3.1.1
 * [MQTT-4.6.0-6] (same topic and QoS: in the order received from the publisher).
 * Seen with a plain MQTT.js subscriber: after the CONNACK, queued seq 28…32, then live seq 125, then 33….
 *
 * The fix. Each connection's deliverQoS and deliver0 are wrapped as soon as Aedes creates
 * its Client (broker.handle), before any CONNECT: lib/handlers/subscribe.js (addSubs) copies
 * the function value into the subscription, and restoreSubs runs before registerClient, so
 * the broker's 'client' event would come too late. Until the broker emits 'clientReady' for
 * that client (connect.js, after emptyQueue has finished) live deliveries wait in a FIFO;
 * then they are replayed in order through the originals and the originals are put back (new
 * SUBSCRIBEs get them directly; restored subscriptions keep the now pass-through wrapper).
 * A held QoS>0 message that emptyQueue already wrote (it was queued before its snapshot) is
 * not written again: its callback is just called.
 * If the client goes away first ('clientError', 'clientDisconnect', socket close) the held
 * calls are replayed all the same: the originals then fail the write, call back, and a QoS>0
 * message stays in the session store, as upstream does for a delivery to a closing client.
 * Every mqemitter callback is therefore called exactly once; held callbacks count against
 * the emitter's concurrency (100), i.e. a resume back-pressures publishers as a slow write does.
 *
 * Revisit whenever aedes changes (package-lock pins 1.2.0): this relies on the connect step
 * order, on when 'clientReady' is emitted and on addSubs copying client.deliverQoS. A fixed
 * upstream makes it unnecessary; test/runners/embedded-order.test.ts catches a regression.
 */
import type { Aedes, Client } from 'aedes';

type Deliver = (packet: unknown, cb: () => void) => void;

/** The two Client members (lib/client.js) the subscriptions call; not in Aedes' types. */
interface Deliverers {
  deliverQoS: Deliver;
  deliver0: Deliver;
}

/** The fields of an emitted or queued packet this module reads. */
interface Queued {
  cmd?: string;
  qos?: number;
  brokerId?: string | null;
  brokerCounter?: number;
}

/** persistence.outgoingUpdate: Aedes 1.x calls it with (client, packet) and awaits it. */
type OutgoingUpdate = (client: Client, packet: Queued, ...rest: unknown[]) => unknown;

interface HeldCall { deliver: Deliver; packet: Queued; cb: () => void }

interface Hold {
  originals: Deliverers;
  held: HeldCall[];
  holding: boolean;
  /** Messages emptyQueue wrote during the hold (it calls outgoingUpdate for each). */
  written: Set<string>;
}

const keyOf = (p: Queued): string => `${p.brokerId ?? ''}#${p.brokerCounter ?? ''}`;

/** Installs the broker-wide hooks once; returns the per-connection wrapper. */
export function orderResumedDeliveries(broker: Aedes): (client: Client) => void {
  const holds = new Map<Client, Hold>();

  // A QoS>0 message for a Clean Session 0 subscriber is queued (enqueueOffline) before it is
  // emitted, so one emitted before emptyQueue took its snapshot of the queue is sent by
  // emptyQueue too; replaying the held call as well would send it twice (and its outgoingUpdate
  // fails with 'no such packet', closing the client, once the first copy was acknowledged).
  // While a client is held, its deliverQoS calls nothing, so its outgoingUpdates are
  // emptyQueue's (besides PUBRELs): record which messages those were.
  const persistence = (broker as unknown as { persistence: { outgoingUpdate: OutgoingUpdate } }).persistence;
  const update = persistence.outgoingUpdate.bind(persistence);
  persistence.outgoingUpdate = (client, packet, ...rest) => {
    const hold = holds.get(client);
    if (hold && packet.cmd === 'publish') hold.written.add(keyOf(packet));
    return update(client, packet, ...rest);
  };

  function release(client: Client): void {
    const hold = holds.get(client);
    if (!hold) return;
    holds.delete(client);
    hold.holding = false;
    const deliverers = client as unknown as Deliverers;
    deliverers.deliverQoS = hold.originals.deliverQoS;
    deliverers.deliver0 = hold.originals.deliver0;
    for (const call of hold.held.splice(0)) {
      const sentByEmptyQueue = call.deliver === hold.originals.deliverQoS && (call.packet.qos ?? 0) > 0 &&
        hold.written.has(keyOf(call.packet));
      if (sentByEmptyQueue) setImmediate(call.cb);
      // Each original defers its write with setImmediate, so calling them in order keeps it.
      else call.deliver(call.packet, call.cb);
    }
  }

  broker.on('clientReady', release);
  broker.on('clientDisconnect', release);
  broker.on('clientError', (client) => release(client));

  return (client) => {
    const deliverers = client as unknown as Deliverers;
    const originals: Deliverers = { deliverQoS: deliverers.deliverQoS, deliver0: deliverers.deliver0 };
    const hold: Hold = { originals, held: [], holding: true, written: new Set() };
    holds.set(client, hold);
    const wrap = (deliver: Deliver): Deliver => (packet, cb) => {
      if (hold.holding) hold.held.push({ deliver, packet: packet as Queued, cb });
      else deliver(packet, cb);
    };
    deliverers.deliverQoS = wrap(originals.deliverQoS);
    deliverers.deliver0 = wrap(originals.deliver0);
    // A connection refused or dropped before CONNECT completes gets no broker event.
    client.conn.once('close', () => release(client));
  };
}
