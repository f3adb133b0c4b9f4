/**
 * The protocols chatbench speaks: one registration line each. Importing this module fills
 * core's target registry (core/target.ts), so the CLI, the library barrel and the benchmarks
 * import it before they load a scenario file or open a target.
 *
 * Adding a protocol: write runners/<protocol>/ (driver + a ProtocolRunner registration, see
 * runners/mqtt/target.ts) and add its line here, e.g. `registerRunner(xmppRunner);`.
 */
import { registerRunner } from '../core/target.js';
import { mqttRunner } from './mqtt/target.js';
import { xmppRunner } from './xmpp/target.js';

registerRunner(mqttRunner);
registerRunner(xmppRunner);

export { describeTargetSpec, limitsFor, openTarget, redactTargetUrl, schemeList, targetFromUrl } from '../core/target.js';
export type { OpenOptions } from '../core/target.js';
