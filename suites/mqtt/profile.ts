/**
 * The MQTT profile file (`chatbench conform --profile FILE`, YAML or JSON): what a server does
 * not announce and cannot be discovered safely. Every field is optional; what CONNACK announces
 * (MQTT 5.0) wins over a declared value only when the profile says nothing.
 */
import { z } from 'zod';

export const MqttProfile = z.strictObject({
  /** Credentials for every connection the cases open (else the target URL's, else none). */
  username: z.string().optional(),
  password: z.string().optional(),
  /** Names of environment variables holding them, so a committed profile carries no secret. */
  usernameEnv: z.string().optional(),
  passwordEnv: z.string().optional(),
  /** A topic the server's access control refuses to this user (enables the authorization cases). */
  deniedTopic: z.string().optional(),
  /** Whether the server queues QoS 0 messages for offline persistent sessions (the spec lets it choose). */
  queuesQos0Offline: z.boolean().optional(),
  /** A WebSocket URL of the same server (ws:// or wss://), for the WebSocket transport cases. */
  websocketUrl: z.string().optional(),
  /** For servers that announce nothing (3.1.1): what they offer. */
  maximumQoS: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  retainAvailable: z.boolean().optional(),
  wildcardSubscriptionAvailable: z.boolean().optional(),
  sharedSubscriptionAvailable: z.boolean().optional(),
  /**
   * MQTT 5.0 enhanced authentication the server supports (enables the enhanced-auth cases): the
   * Authentication Method, the Authentication Data of the CONNECT, and the data chatbench answers
   * each AUTH 0x18 with, in order (all as UTF-8 text; a fixed script, so challenge-response
   * methods that need computing, like SCRAM, are out of reach).
   */
  authenticationMethod: z.string().min(1).optional(),
  authenticationData: z.string().optional(),
  authenticationResponses: z.array(z.string()).optional(),
  /** Keep-alive cases wait up to 1.5 × this many seconds; default 2 (a longer one makes the suite slower). */
  keepAliveSeconds: z.number().int().min(1).max(60).optional(),
});
export type MqttProfile = z.infer<typeof MqttProfile>;
