/**
 * A real ejabberd (Debian's 23.01: XMPP and MQTT 3.1.1/5.0 through mod_mqtt) for tests:
 * chatbench's own local-server code (runners/local/ejabberd.ts, what `chatbench run --start
 * ejabberd` uses), with accounts "user1@localhost", … and random passwords.
 *
 *   const e = await startEjabberd({ users: 2 });
 *   ... mqtt.connect(e.mqttUrl, { username: e.users[0].username, password: ... }) ...
 *   await e.stop();
 */
import { ServerStartError } from '../../runners/local/process.js';
import { makeAccounts } from '../../runners/local/accounts.js';
import { EJABBERD_DOMAIN, ejabberdUnavailable, startEjabberd as startLocal, type MqttOptionValue } from '../../runners/local/ejabberd.js';
import { describeRequiring, type Requirement } from './requires.js';

const DEFAULT_USERS = 2;

export type { MqttOptionValue };

export interface EjabberdUser {
  /** "name@localhost": mod_mqtt takes the MQTT user name as a JID. */
  username: string;
  password: string;
}

export interface Ejabberd {
  /** mqtt://127.0.0.1:PORT (mod_mqtt, MQTT 3.1.1 and 5.0). */
  mqttUrl: string;
  /** XMPP client-to-server port on 127.0.0.1 (no TLS; SASL PLAIN with the same users). */
  xmppPort: number;
  users: EjabberdUser[];
  /** The Erlang VM's PID (from ejabberd's pid file). */
  pid: number;
  /** What ejabberd wrote to stdout and stderr so far (the last few KiB). */
  log(): string;
  stop(): Promise<void>;
}

export interface EjabberdOptions {
  /** How many accounts to create ("user1@localhost", …); 2 by default. */
  users?: number;
  /** mod_mqtt options over the defaults, e.g. `{ session_expiry: 0, max_queue: 10 }`. */
  mqtt?: Record<string, MqttOptionValue>;
}

export const ejabberdRequirement: Requirement = {
  program: 'ejabberd',
  available: ejabberdUnavailable() === undefined,
  install: 'apt-get install -y ejabberd, and run the tests as root or as user ejabberd',
};

/** describe() when ejabberd can be started here; skipped with the reason elsewhere, failing under CI=true. */
export function describeWithEjabberd(name: string, body: () => void): void {
  describeRequiring(ejabberdRequirement, name, body);
}

export async function startEjabberd(opts: EjabberdOptions = {}): Promise<Ejabberd> {
  const accounts = makeAccounts(opts.users ?? DEFAULT_USERS);
  try {
    const local = await startLocal({ accounts, ...(opts.mqtt ? { mqtt: opts.mqtt } : {}) });
    return {
      mqttUrl: local.mqttUrl,
      xmppPort: local.xmppPort,
      users: accounts.map((a) => ({ username: `${a.name}@${EJABBERD_DOMAIN}`, password: a.password })),
      pid: local.process.pid,
      log: () => local.process.log(),
      stop: () => local.process.stop(),
    };
  } catch (err) {
    // Tests read the whole output: "ejabberd exited (code 1); output:\n…".
    if (err instanceof ServerStartError) throw new Error(`${err.server} ${err.reason}; output:\n${err.output}`);
    throw err;
  }
}
