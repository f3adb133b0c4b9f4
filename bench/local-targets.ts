/**
 * The local servers the baselines and the ceiling bench measure, one name each: the four
 * server/protocol pairs of issue 9 (mosquitto, ejabberd over MQTT and over XMPP, prosody), each
 * started by chatbench itself (`--start`) on the same machine with the same settings.
 */

export interface LocalTarget {
  /** The file and row name: "ejabberd-xmpp". */
  name: string;
  /** What `--start` takes. */
  server: 'mosquitto' | 'ejabberd' | 'prosody';
  protocol: 'mqtt' | 'xmpp';
}

export const LOCAL_TARGETS: readonly LocalTarget[] = [
  { name: 'mosquitto', server: 'mosquitto', protocol: 'mqtt' },
  { name: 'ejabberd-mqtt', server: 'ejabberd', protocol: 'mqtt' },
  { name: 'ejabberd-xmpp', server: 'ejabberd', protocol: 'xmpp' },
  { name: 'prosody', server: 'prosody', protocol: 'xmpp' },
];

/** The `chatbench run` flags that start a target: `--start ejabberd --protocol xmpp`. */
export function startFlags(t: LocalTarget): string[] {
  return ['--start', t.server, '--protocol', t.protocol];
}

/**
 * The targets named in a comma-separated list (all of them when the list is absent), in the
 * table's order; an unknown name is an error that lists the known ones.
 */
export function pickTargets(list: string | undefined, from: readonly LocalTarget[] = LOCAL_TARGETS): LocalTarget[] {
  if (list === undefined || list.trim() === '') return [...from];
  const wanted = list.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = wanted.filter((n) => !from.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown server ${unknown.join(', ')}: choose from ${from.map((t) => t.name).join(', ')}`);
  return from.filter((t) => wanted.includes(t.name));
}
