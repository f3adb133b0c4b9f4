/**
 * One slice of a scenario (`--shard i/n`, one of `--workers N`): some of its users, rooms and
 * streams, and exactly the sends of those streams, each at its single-run time.
 *
 * Users that share a room, and a stream's sender and receivers, form one group (union-find); a
 * group never splits, so every latency is taken between two clients of one process, on one
 * clock. Groups go to shards greedily, largest share of sends first, each to the shard with the
 * fewest sends so far (then the fewest users, then the lowest index): the same scenario gives
 * the same slices on every machine. The shards' schedules are the single run's schedule filtered
 * by stream, so together they make exactly its sends (count, times, stream ids and sequences).
 */
import { InputError } from '../errors.js';
import type { ScenarioSpec } from '../scenario/types.js';
import { count, plural } from '../words.js';
import { planScenario, type Plan, type Stream } from './plan.js';
import { scheduleFor, type Schedule } from './schedule.js';

export interface ShardSpec {
  /** 0-based. */
  index: number;
  count: number;
}

/** What a plan holds, for saying what a shard holds of the whole. */
export interface PlanFigures {
  users: number;
  rooms: number;
  /** Streams from one user to another (direct pairs, random peers, fan-in). */
  directStreams: number;
  sends: number;
}

export interface Slice {
  plan: Plan;
  schedule: Schedule;
  /** Absent when the slice is the whole scenario (no shard asked for). */
  shard?: ShardSpec & { mine: PlanFigures; whole: PlanFigures };
}

/** The whole scenario, or its shard `shard.index` of `shard.count`. */
export function sliceScenario(spec: ScenarioSpec, shard?: ShardSpec): Slice {
  if (shard === undefined) {
    const plan = planScenario(spec);
    return { plan, schedule: scheduleFor(spec, plan.streams.length) };
  }
  checkShardSpec(shard);
  const parts = partition(spec);
  const shardOfUser = assign(spec.name, parts.groups, shard.count);
  const { whole, sendsPerStream } = parts;
  const plan = subPlan(whole, (user) => shardOfUser.get(user) === shard.index);
  const mineStream = new Uint8Array(whole.streams.length);
  for (const s of plan.streams) mineStream[s.id] = 1;
  return {
    plan,
    schedule: filteredSchedule(parts.schedule, parts.streamOf, mineStream, plan.streams),
    shard: { ...shard, mine: figuresOf(plan, sendsPerStream), whole: figuresOf(whole, sendsPerStream) },
  };
}

/** Bad input unless `shard` is one of its count and every scenario splits that many ways (checked before anything connects). */
export function checkShards(specs: readonly ScenarioSpec[], shard: ShardSpec): void {
  checkShardSpec(shard);
  for (const spec of specs) refuseTooMany(spec.name, partition(spec).groups, shard.count);
}

interface Partition {
  whole: Plan;
  schedule: Schedule;
  streamOf: (g: number) => number;
  sendsPerStream: Uint32Array;
  groups: Group[];
}

function partition(spec: ScenarioSpec): Partition {
  const whole = planScenario(spec);
  const schedule = scheduleFor(spec, whole.streams.length);
  const streamOf = streamOfSend(schedule, whole.streams.length);
  const sendsPerStream = new Uint32Array(whole.streams.length);
  if (whole.streams.length > 0) for (let g = 0; g < schedule.count; g++) sendsPerStream[streamOf(g)]! += 1;
  return { whole, schedule, streamOf, sendsPerStream, groups: groupsOf(whole, sendsPerStream) };
}

/** A slice as the console says it: "shard 2/4: 25 users, 3 rooms, 10 direct streams of the scenario's …". */
export function describeShard(shard: NonNullable<Slice['shard']>): string {
  const say = (f: PlanFigures) => `${plural(f.users, 'user')}, ${plural(f.rooms, 'room')}, ${plural(f.directStreams, 'direct stream')}`;
  return `shard ${shard.index}/${shard.count}: ${say(shard.mine)} of the scenario's ${say(shard.whole)}; ${count(shard.mine.sends)} of ${plural(shard.whole.sends, 'send')}`;
}

function checkShardSpec({ index, count: n }: ShardSpec): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(index) || index < 0 || index >= n) {
    throw new InputError(`shard ${index}/${n}: expected an index from 0 to count - 1 and a count of at least 1`);
  }
}

/** The plan's stream (by position, which is its id in a whole plan) that makes send g. */
function streamOfSend(schedule: Schedule, streams: number): (g: number) => number {
  const explicit = schedule.stream?.bind(schedule);
  return explicit ?? ((g) => g % streams);
}

interface Group {
  users: string[];
  sends: number;
  /** Position of its first user in the plan: the last tie-break, so the order is total. */
  first: number;
}

/** Union-find over users: a room joins its members, a stream its sender and receivers. */
function groupsOf(plan: Plan, sendsPerStream: Uint32Array): Group[] {
  const position = new Map(plan.users.map((u, i) => [u, i]));
  const parent = Int32Array.from(plan.users, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root]!;
    // Path compression: later finds are near O(1).
    for (let at = i; at !== root; ) {
      const next = parent[at]!;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const at = (user: string) => position.get(user) ?? 0;
  const union = (a: string, b: string) => {
    const ra = find(at(a));
    const rb = find(at(b));
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (const members of plan.rooms.values()) for (const m of members) union(members[0] as string, m);
  for (const s of plan.streams) for (const r of s.receivers) union(s.sender, r);

  const byRoot = new Map<number, Group>();
  plan.users.forEach((user, i) => {
    const root = find(i);
    const group = byRoot.get(root) ?? { users: [], sends: 0, first: i };
    group.users.push(user);
    byRoot.set(root, group);
  });
  for (const s of plan.streams) {
    const group = byRoot.get(find(at(s.sender)));
    if (group !== undefined) group.sends += sendsPerStream[s.id] ?? 0;
  }
  return [...byRoot.values()];
}

/** Greedy: largest groups first, each to the lightest shard. Throws when a shard would be empty. */
function assign(scenario: string, groups: Group[], shards: number): Map<string, number> {
  refuseTooMany(scenario, groups, shards);
  const ordered = [...groups].sort((a, b) => b.sends - a.sends || b.users.length - a.users.length || a.first - b.first);
  const load = Array.from({ length: shards }, () => ({ sends: 0, users: 0 }));
  const shardOf = new Map<string, number>();
  for (const group of ordered) {
    let best = 0;
    for (let k = 1; k < shards; k++) {
      const a = load[k]!;
      const b = load[best]!;
      if (a.sends < b.sends || (a.sends === b.sends && a.users < b.users)) best = k;
    }
    load[best]!.sends += group.sends;
    load[best]!.users += group.users.length;
    for (const u of group.users) shardOf.set(u, best);
  }
  return shardOf;
}

/** Every shard needs a group: more shards than groups is bad input, saying how many would work. */
function refuseTooMany(scenario: string, groups: readonly Group[], shards: number): void {
  if (groups.length < shards) {
    const biggest = groups.reduce((max, g) => Math.max(max, g.users.length), 0);
    const users = groups.reduce((sum, g) => sum + g.users.length, 0);
    throw new InputError(
      `scenario "${scenario}" cannot be split into ${shards} shards: its ${plural(users, 'user')} form ${plural(groups.length, 'indivisible group')} ` +
        `(a room and its members, a pair, fan-in receivers with their senders stay together; the biggest has ${plural(biggest, 'user')}); ` +
        `it can be split at most ${plural(groups.length, 'way')}`,
    );
  }
}

/** The users `mine` keeps, their rooms (whole) and the streams they send, in the plan's order, ids kept. */
function subPlan(whole: Plan, mine: (user: string) => boolean): Plan {
  const users = whole.users.filter(mine);
  const rooms = new Map([...whole.rooms].filter(([, members]) => members.length > 0 && mine(members[0] as string)));
  const memberships = new Map(users.map((u) => [u, whole.memberships.get(u) ?? []]));
  const streams = whole.streams.filter((s) => mine(s.sender));
  return { users, rooms, memberships, streams };
}

/**
 * The whole schedule's sends whose stream is `mine`, by their index in it (memory: 4 bytes a
 * send); `stream(i)` gives the position in the shard's stream list, as the sender reads it.
 */
function filteredSchedule(whole: Schedule, streamOf: (g: number) => number, mine: Uint8Array, streams: readonly Stream[]): Schedule {
  let n = 0;
  for (let g = 0; g < whole.count; g++) n += mine[streamOf(g)] ?? 0;
  const sends = new Uint32Array(n);
  for (let g = 0, k = 0; g < whole.count; g++) if (mine[streamOf(g)] === 1) sends[k++] = g;
  const local = new Int32Array(mine.length).fill(-1);
  streams.forEach((s, k) => (local[s.id] = k));
  return {
    count: n,
    // Past the last send (the window's end, or a send not made): where the whole schedule ends.
    at: (i) => whole.at(i < n ? sends[i]! : whole.count),
    stream: (i) => local[streamOf(sends[i]!)]!,
  };
}

function figuresOf(plan: Plan, sendsPerStream: Uint32Array): PlanFigures {
  let sends = 0;
  for (const s of plan.streams) sends += sendsPerStream[s.id] ?? 0;
  return {
    users: plan.users.length,
    rooms: plan.rooms.size,
    directStreams: plan.streams.filter((s) => s.destination.kind === 'direct').length,
    sends,
  };
}
