/**
 * The session store of the embedded broker: aedes-persistence's memory persistence with one
 * method corrected, outgoingUpdate for a PUBREL.
 *
 * Why it exists. Aedes 1.2.0 (lib/handlers/pubrec.js) answers a PUBREC from a Clean Session 0
 * client by storing `{cmd: 'pubrel', messageId}` with persistence.outgoingUpdate and then
 * writing that same object. The object has no brokerId and no brokerCounter, and
 * aedes-persistence 11.0.0's memory outgoingUpdate matches a queued entry first by
 * `brokerId === brokerId && brokerCounter === brokerCounter`: a PUBREL already queued
 * (also without them) matches every later PUBREL by `undefined === undefined`, gets its
 * messageId overwritten, and the PUBLISH the new PUBREL completes stays queued. When several
 * PUBRECs arrive in one read the overwrite lands before the write, so the wire carries a
 * PUBREL with another message's packet id; in every case the session loses the PUBREL it owed
 * and keeps a PUBLISH it must not re-send. That breaks [MQTT-4.3.3-1] (the PUBREL carries the
 * original PUBLISH's packet id; no PUBLISH re-sent after its PUBREL) and [MQTT-4.4.0-1]
 * (unacknowledged PUBRELs are re-sent on resume): QoS 2 messages to persistent sessions are
 * lost or duplicated.
 *
 * A second correction, outgoingStream. On a resume Aedes (lib/handlers/connect.js emptyQueue)
 * takes a copy of the session's queue, then updates and writes its entries one by one. The
 * queue is shared with the connection being replaced, whose last PUBRECs and PUBCOMPs Aedes may
 * still be handling: an entry completed meanwhile is gone from the queue, the update fails with
 * 'no such packet', and Aedes closes the resumed connection (seen in chatbench's
 * reconnect-storm runs); an entry turned into a PUBREL meanwhile would be re-sent as the old
 * PUBLISH. So the stream reads each entry's current state from the queue when its turn comes:
 * gone entries are skipped, converted ones are sent as they are now. An entry completed between
 * that read and Aedes's update of it no longer fails the update: it is marked, and
 * `completedMeanwhile` (the broker's authorizeForward, runners/mqtt/embedded.ts) keeps Aedes
 * from writing it, as Aedes does for a packet it may not forward.
 *
 * The fix. Every PUBREL is handed to the upstream loop as a fresh record whose brokerId no
 * other entry has. The loop's first branch can then never match, so it falls through to its
 * second one: the first queued entry with the PUBREL's messageId (the PUBLISH it completes,
 * or, on a resumed session's re-send, the earlier PUBREL with that id) is replaced by the
 * record, and nothing else is touched. Same O(queue) scan as upstream, no copy of the queue;
 * the object Aedes writes is never the one stored, so no later update can rewrite it. An id
 * with no queued entry still fails with upstream's 'no such packet'.
 *
 * Revisit whenever aedes or aedes-persistence changes (package-lock pins aedes-persistence
 * 11.0.0, a dependency of aedes): this relies on the shape of that loop, and a fixed upstream
 * makes the module unnecessary. test/runners/embedded-persistence.test.ts catches a regression.
 */
import { Readable } from 'node:stream';
import memoryModule from 'aedes-persistence';
import type { AedesMemoryPersistence } from 'aedes-persistence';

// The package is CommonJS whose module.exports is the factory; its types describe an ES
// default export, which NodeNext then places one level down. At run time this is the factory.
const memoryPersistence = memoryModule as unknown as () => AedesMemoryPersistence;

/** The fields of a queued outgoing packet this module reads or writes. */
interface OutgoingPacket {
  cmd: string;
  messageId?: number;
  brokerId?: string | null;
  brokerCounter?: number;
}

type UpdateCallback = (error: unknown, client?: unknown, packet?: OutgoingPacket) => void;

/** aedes-persistence's outgoingUpdate: a promise without a callback (how Aedes 1.x calls it). */
type OutgoingUpdate = (client: unknown, packet: OutgoingPacket, cb?: UpdateCallback) => Promise<void> | undefined;

/** Real entries carry the broker's id (or null for retained copies); this prefix is never one. */
const STORED_PUBREL = 'chatbench-stored-pubrel#';

/** The persistence, and whether a queued packet was completed while a resume was re-sending it. */
export type EmbeddedPersistence = AedesMemoryPersistence & { completedMeanwhile(packet: object): boolean };

export function createEmbeddedPersistence(): EmbeddedPersistence {
  const persistence = memoryPersistence();
  const completed = new WeakSet<object>();
  const methods = persistence as unknown as { outgoingUpdate: OutgoingUpdate };
  const upstream = methods.outgoingUpdate.bind(persistence);
  let storedPubrels = 0;

  const upstreamStream = persistence.outgoingStream.bind(persistence);
  // One entry read ahead at most, so each is read from the queue close to its turn.
  persistence.outgoingStream = (client) => Readable.from(currentEntries(client, upstreamStream), { highWaterMark: 1 });

  methods.outgoingUpdate = (client, packet, cb) => {
    if (packet.cmd !== 'pubrel') {
      const update = upstream(client, packet, cb);
      // A queued publication (it has a brokerId) that is gone was completed meanwhile: not an error.
      if (cb !== undefined || update === undefined || packet.brokerId == null) return update;
      return update.catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'no such packet') throw error;
        completed.add(packet);
      });
    }
    storedPubrels += 1;
    const entry: OutgoingPacket = { cmd: 'pubrel', messageId: packet.messageId, brokerId: `${STORED_PUBREL}${storedPubrels}` };
    if (!cb) return upstream(client, entry);
    // The callback form reports the caller's packet, as upstream does.
    return upstream(client, entry, (error, c) => (error ? cb(error) : cb(null, c, packet)));
  };
  return Object.assign(persistence, { completedMeanwhile: (packet: object) => completed.has(packet) });
}

type QueueStream = AedesMemoryPersistence['outgoingStream'];

/** The session's queue as it is now (upstream hands out a shallow copy). */
async function queueNow(client: Parameters<QueueStream>[0], stream: QueueStream): Promise<OutgoingPacket[]> {
  const entries: OutgoingPacket[] = [];
  for await (const entry of stream(client) as AsyncIterable<OutgoingPacket>) entries.push(entry);
  return entries;
}

/** The same queued message: the same broker publication, or the same packet id once one was given. */
function sameEntry(now: OutgoingPacket, then: OutgoingPacket): boolean {
  if (then.messageId !== undefined && now.messageId === then.messageId) return true;
  return then.brokerId != null && now.brokerId === then.brokerId && now.brokerCounter === then.brokerCounter;
}

/**
 * The queue's entries in the order they were when the stream began, each read again from the
 * queue as its turn comes: skipped when completed meanwhile, sent in its current form (a PUBREL)
 * when converted. Each turn copies the queue again: O(n²) for a backlog of n, paid once per resume.
 */
async function* currentEntries(client: Parameters<QueueStream>[0], stream: QueueStream): AsyncGenerator<OutgoingPacket> {
  const first = await queueNow(client, stream);
  for (const entry of first) {
    const now = (await queueNow(client, stream)).find((candidate) => sameEntry(candidate, entry));
    if (now !== undefined) yield now;
  }
}
