/**
 * Local servers chatbench starts for a run (`--start NAME`, `target: { start: NAME }`): the
 * table of servers, which protocols each serves, and how a started one becomes a target — a URL
 * plus the runner's target fields, laid over the scenario file's like --target would be.
 *
 *   const server = await startLocalServer({ server: 'ejabberd', protocol: 'xmpp', users: 50 });
 *   ... run against server.url with server.fields ...
 *   const usage = server.usage();   // CPU since ready, peak memory
 *   await server.stop();
 */
import type { TargetHandle } from '../../core/driver.js';
import { InputError } from '../../core/errors.js';
import type { ServerUsage } from '../../core/result/run.js';
import { checkTargetUrl } from '../../core/target.js';
import { makeAccounts } from './accounts.js';
import { startEjabberd } from './ejabberd.js';
import { startMosquitto } from './mosquitto.js';
import type { ServerProcess } from './process.js';
import { startProsody } from './prosody.js';
import { readUsage, type UsageReading } from './usage.js';

export interface StartRequest {
  /** "mosquitto", "prosody", "ejabberd". */
  server: string;
  /** The protocol to speak; undefined: the server's default. */
  protocol?: string | undefined;
  /** How many chat users the run has: one account each where the protocol logs users in separately. */
  users: number;
  /** Ctrl-C while it starts: it is stopped and the start rejects with RunAbortedError. */
  signal?: AbortSignal | undefined;
  /** Global config lines added to mosquitto's (bench:peers raises its queue and in-flight limits); others ignore it. */
  extraConfig?: readonly string[] | undefined;
}

export interface StartedServer {
  name: string;
  version: string;
  protocol: string;
  pid: number;
  /** The target URL, credentials included where the protocol takes them from it (print it redacted). */
  url: string;
  /** Runner target fields to lay over the file's (XMPP: domain, accounts, no STARTTLS on loopback). */
  fields: Record<string, unknown>;
  /** CPU since it became ready, and its peak memory; null when /proc cannot be read. */
  usage(): ServerUsage | null;
  log(): string;
  stop(): Promise<void>;
}

/** What a started server hands back before it becomes a target. */
interface Launched {
  version: string;
  process: ServerProcess;
  url: string;
  fields: Record<string, unknown>;
}

interface LocalServerEntry {
  /** Protocols it serves, the default first. */
  protocols: readonly string[];
  launch(request: StartRequest, protocol: string): Promise<Launched>;
}

/**
 * Accounts for a run of `users` users. A few spare: a reconnecting user may hold two sessions
 * for a moment, and it costs nothing.
 */
const accountsFor = (users: number) => makeAccounts(Math.max(users, 1) + 2);

/** Loopback servers run without TLS, as MQTT's plain listener does: the same footing for both protocols. */
function xmppFields(domain: string, mucDomain: string, accountsFile: string): Record<string, unknown> {
  return { domain, mucDomain, accounts: { file: accountsFile }, starttls: 'never' };
}

const SERVERS: Readonly<Record<string, LocalServerEntry>> = {
  mosquitto: {
    protocols: ['mqtt'],
    async launch(request) {
      const started = await startMosquitto({ signal: request.signal, ...(request.extraConfig ? { extraConfig: request.extraConfig } : {}) });
      return { version: started.version, process: started.process, url: started.url, fields: {} };
    },
  },
  ejabberd: {
    protocols: ['mqtt', 'xmpp'],
    async launch(request, protocol) {
      const accounts = accountsFor(request.users);
      const started = await startEjabberd({ accounts, signal: request.signal });
      if (protocol === 'xmpp') {
        const fields = xmppFields(started.domain, started.mucDomain, started.accountsFile);
        return { version: started.version, process: started.process, url: `xmpp://127.0.0.1:${started.xmppPort}`, fields };
      }
      // mod_mqtt takes the user name as a JID; every MQTT client of the run shares the first account.
      const first = accounts[0] ?? { name: 'user1', password: '' };
      const login = `${encodeURIComponent(`${first.name}@${started.domain}`)}:${encodeURIComponent(first.password)}@`;
      return { version: started.version, process: started.process, url: started.mqttUrl.replace('mqtt://', `mqtt://${login}`), fields: {} };
    },
  },
  prosody: {
    protocols: ['xmpp'],
    async launch(request) {
      const accounts = accountsFor(request.users);
      const started = await startProsody({ accounts, signal: request.signal });
      const fields = xmppFields(started.domain, started.mucDomain, started.accountsFile);
      return { version: started.version, process: started.process, url: `xmpp://127.0.0.1:${started.port}`, fields };
    },
  },
};

/** "mosquitto, prosody or ejabberd". */
export function localServerNames(): string {
  const names = Object.keys(SERVERS);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * The protocol a start request will speak, checked before anything starts (exit 2): a server
 * chatbench knows, a protocol it serves, and a runner registered for that protocol.
 */
export function checkStartRequest(server: string, protocol: string | undefined): string {
  const entry = SERVERS[server];
  if (!entry) throw new InputError(`cannot start "${server}": chatbench starts ${localServerNames()}`);
  const chosen = protocol ?? entry.protocols[0] ?? '';
  if (!entry.protocols.includes(chosen)) {
    throw new InputError(`${server} serves ${entry.protocols.join(' and ')}, not ${chosen}${entry.protocols.length > 1 ? ` (--protocol ${entry.protocols.join('|')})` : ''}`);
  }
  if (!checkTargetUrl(`${chosen}://127.0.0.1:1`).ok) {
    throw new InputError(`${server} over ${chosen}: this chatbench has no ${chosen} runner (no ${chosen}:// target is registered), so it cannot run against it yet`);
  }
  return chosen;
}

export async function startLocalServer(request: StartRequest): Promise<StartedServer> {
  const protocol = checkStartRequest(request.server, request.protocol);
  const entry = SERVERS[request.server];
  if (!entry) throw new InputError(`cannot start "${request.server}"`); // checked above
  const launched = await entry.launch(request, protocol);
  const { process: proc } = launched;
  const atReady: UsageReading | undefined = readUsage(proc.pid);
  return {
    name: request.server,
    version: launched.version,
    protocol,
    pid: proc.pid,
    url: launched.url,
    fields: launched.fields,
    usage() {
      const now = readUsage(proc.pid);
      if (!now || !atReady) return null;
      return {
        name: request.server,
        version: launched.version,
        cpuSeconds: Math.max(0, Number((now.cpuSeconds - atReady.cpuSeconds).toFixed(3))),
        peakRssBytes: now.peakRssBytes,
      };
    },
    log: () => proc.log(),
    stop: () => proc.stop(),
  };
}

/** The handle of a target chatbench started: its info (and so the result's target) says so. */
export function markStarted(handle: TargetHandle): TargetHandle {
  return {
    info: { ...handle.info, started: true },
    createDriver: (runId, driverOptions) => handle.createDriver(runId, driverOptions),
    close: () => handle.close(),
  };
}
