/**
 * Turns a scenario into users, rooms and message streams.
 *
 * Users are u0..u(n-1). Rooms r0..r(k-1) take their members round-robin from the user
 * list, so every user is in about the same number of rooms. Every member of a room sends
 * to it (one stream per member and room) and every other member receives; with room sizes
 * (a list), the groups take r0.. in list order. Direct pairs are (u0,u1), (u2,u3), ...: each
 * side sends to the other (one stream per direction). Random peers: each user writes to K
 * distinct others drawn from the seed, one stream each. Fan-in: u0..u(k-1) receive; every
 * other user ui writes to u(i mod k). The kinds combine: their streams are appended in turn.
 */
import type { DeliveryLevel } from '../driver.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { RANDOM_STREAM, seededRandom } from './random.js';
import { scheduleFor } from './schedule.js';

export type Destination = { kind: 'room'; room: string } | { kind: 'direct'; user: string };

export interface Stream {
  id: number;
  sender: string;
  destination: Destination;
  receivers: readonly string[];
  level: DeliveryLevel;
}

export interface Plan {
  users: readonly string[];
  /** room name -> member users */
  rooms: ReadonlyMap<string, readonly string[]>;
  /** user -> rooms it joins */
  memberships: ReadonlyMap<string, readonly string[]>;
  streams: readonly Stream[];
}

export function planScenario(spec: ScenarioSpec): Plan {
  const users = Array.from({ length: spec.users }, (_, i) => `u${i}`);
  const rooms = new Map<string, string[]>();
  const memberships = new Map<string, string[]>(users.map((u) => [u, []]));
  let cursor = 0;
  for (const size of roomSizesOf(spec)) {
    for (let r = 0; r < size.count; r++) {
      const room = `r${rooms.size}`;
      const members: string[] = [];
      for (let m = 0; m < size.members; m++) {
        const user = users[cursor % users.length] as string;
        cursor++;
        members.push(user);
        memberships.get(user)?.push(room);
      }
      rooms.set(room, members);
    }
  }

  const streams: Stream[] = [];
  const direct = (sender: string, receiver: string) =>
    streams.push({ id: streams.length, sender, destination: { kind: 'direct', user: receiver }, receivers: [receiver], level: spec.qos });
  for (const [room, members] of rooms) {
    for (const sender of members) {
      const receivers = members.filter((m) => m !== sender);
      if (receivers.length === 0) continue;
      streams.push({ id: streams.length, sender, destination: { kind: 'room', room }, receivers, level: spec.qos });
    }
  }
  for (let p = 0; p < spec.directPairs; p++) {
    const a = users[2 * p] as string;
    const b = users[2 * p + 1] as string;
    direct(a, b);
    direct(b, a);
  }
  if (spec.randomPeers !== undefined) {
    const draw = seededRandom(spec.seed ?? 1, RANDOM_STREAM.peers);
    users.forEach((sender, i) => {
      for (const partner of drawDistinct(spec.users - 1, spec.randomPeers ?? 0, draw)) direct(sender, users[partner >= i ? partner + 1 : partner] as string);
    });
  }
  if (spec.fanIn !== undefined) {
    const k = spec.fanIn.receivers;
    for (let i = k; i < users.length; i++) direct(users[i] as string, users[i % k] as string);
  }
  return { users, rooms, memberships, streams };
}

/**
 * Streams by id: position i holds stream i. A shard's plan (shard.ts) keeps some of the scenario's
 * streams with their ids, so its list has gaps; a whole plan's list is returned as it is.
 */
export function streamsById(streams: readonly Stream[]): readonly (Stream | undefined)[] {
  if (streams.every((s, i) => s.id === i)) return streams;
  const byId: (Stream | undefined)[] = Array.from({ length: streams.reduce((max, s) => Math.max(max, s.id), -1) + 1 }, () => undefined);
  for (const s of streams) byId[s.id] = s;
  return byId;
}

/** The room groups in order: the list form's sizes, else `count` rooms of `members`. */
function roomSizesOf(spec: ScenarioSpec): readonly { count: number; members: number }[] {
  return spec.roomSizes ?? [spec.rooms];
}

/** `k` distinct numbers from 0..n-1, in the order drawn (a partial Fisher–Yates shuffle). */
function drawDistinct(n: number, k: number, random: () => number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const picked: number[] = [];
  for (let j = 0; j < Math.min(k, n); j++) {
    const at = j + Math.floor(random() * (n - j));
    const chosen = pool[at] as number;
    pool[at] = pool[j] as number;
    pool[j] = chosen;
    picked.push(chosen);
  }
  return picked;
}

/** Sends the scenario schedules (constant: rate x duration), capped by `messages`; schedule.ts. */
export function plannedSends(spec: ScenarioSpec): number {
  return scheduleFor(spec, spec.thinkMs === undefined ? undefined : planScenario(spec).streams.length).count;
}
