/**
 * Who writes to whom in a scenario: rooms (one size, or a list of sizes), direct pairs, random
 * peers and fan-in, resolved from the keys normalise.ts recovered, with the rules between them
 * and the users. The sender count it gives sets the rate under think time (shapes.ts).
 */
import type { IssuePath } from './messages.js';
import type { ScenarioSpec } from './types.js';

/** The accessors normalise.ts gives (see its resolveScenario). */
export interface FieldAccess {
  /** The scenario's value, else defaults:', else builtIn; undefined when the one that applies was written invalid. */
  field: <T>(path: readonly string[], builtIn: T) => T | undefined;
  at: (...candidates: string[][]) => IssuePath;
  report: (path: IssuePath, message: string) => void;
}

type RoomSize = { count: number; members: number };

export interface Audience {
  /** Sender streams (each room member with someone to hear it, both sides of each pair, each peer, each fan-in writer); undefined if unknown. */
  senders: number | undefined;
  /** The spec's audience keys, present only when asked for; undefined when one was written invalid. */
  extra: Pick<ScenarioSpec, 'roomSizes' | 'randomPeers' | 'fanIn'> | undefined;
}

export interface AudienceInputs {
  users: number | undefined;
  roomCount: number | undefined;
  members: number | undefined;
  directPairs: number | undefined;
  /** The list form of `rooms` as the map that holds `rooms` wrote it (null: the map form, or none). */
  roomSizes: RoomSize[] | null | undefined;
}

export function resolveAudience(access: FieldAccess, inputs: AudienceInputs): Audience {
  const { field, at, report } = access;
  const { users, roomCount, members, directPairs, roomSizes } = inputs;
  const randomPeers = field<number | null>(['randomPeers'], null);
  const fanIn = field<{ receivers: number } | null>(['fanIn'], null);

  if (users !== undefined && randomPeers !== undefined && randomPeers !== null && randomPeers >= users) {
    report(at(['randomPeers']), `randomPeers (${randomPeers}) must be fewer than users (${users}): each user's partners are other users`);
  }
  if (users !== undefined && fanIn !== undefined && fanIn !== null && fanIn.receivers >= users) {
    report(at(['fanIn', 'receivers']), `fanIn.receivers (${fanIn.receivers}) must be fewer than users (${users}): someone has to write to them`);
  }
  const groups = roomSizes === undefined || roomCount === undefined || members === undefined ? undefined : (roomSizes ?? [{ count: roomCount, members }]);
  const roomDelivers = groups?.some((g) => g.count > 0 && g.members >= 2);
  if (roomDelivers === false && directPairs === 0 && randomPeers === null && fanIn === null) {
    const culprit = roomCount === 0 ? at(['rooms', 'count'], ['rooms']) : at(['rooms', 'members'], ['users']);
    report(culprit, 'no one to deliver to: give a room at least 2 members, or set directPairs, randomPeers or fanIn');
  }

  const senders =
    groups === undefined || directPairs === undefined || users === undefined || randomPeers === undefined || fanIn === undefined
      ? undefined
      : groups.reduce((sum, g) => sum + g.count * (g.members >= 2 ? g.members : 0), 0)
        + 2 * directPairs
        + users * (randomPeers ?? 0)
        + (fanIn === null ? 0 : Math.max(0, users - fanIn.receivers));
  if (roomSizes === undefined || randomPeers === undefined || fanIn === undefined) return { senders, extra: undefined };
  return {
    senders,
    extra: {
      ...(roomSizes === null ? {} : { roomSizes: roomSizes.map((g) => ({ ...g })) }),
      ...(randomPeers === null ? {} : { randomPeers }),
      ...(fanIn === null ? {} : { fanIn: { receivers: fanIn.receivers } }),
    },
  };
}
