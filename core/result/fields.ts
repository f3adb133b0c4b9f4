/**
 * Field shapes the result schemas share, written once so every kind validates (and
 * documents in schema/result.schema.json) a count or a delivery level the same way.
 */
import { z } from 'zod';
import type { DeliveryLevel } from '../driver.js';

/** A count of things: a whole number, never negative. */
export const count = () => z.number().int().nonnegative();

/** A delivery level (core/driver.ts DELIVERY_LEVELS), in MQTT's QoS numbering. */
export const level: z.ZodType<DeliveryLevel> = z.union([z.literal(0), z.literal(1), z.literal(2)]);
