import { z } from 'zod';
import { type AccessPolicy, parseAccessPolicy } from '../access/index.ts';

/** A date-time (RFC 3339 text or a YAML timestamp), null or absent → Date | null. */
export const dateTime = z
  .union([z.string(), z.date(), z.null()])
  .optional()
  .refine((value) => value == null || !Number.isNaN(new Date(value).getTime()), {
    message: 'must be a date-time such as 2026-12-31T00:00:00Z, or null',
  })
  .transform((value) => (value == null ? null : new Date(value)));

/** Free text shown in listings; null or absent → ''. */
export const annotation = z
  .union([z.string().max(1000), z.null()])
  .optional()
  .transform((value) => value ?? '');

/** The MCP access fields a file entry may carry, in the gateway-proxy's spelling. */
export const accessFields = {
  allowed_mcps: z.array(z.string()).optional(),
  blocked_mcps: z.array(z.string()).optional(),
  tool_rules: z.array(z.unknown()).optional(),
};

/**
 * The AccessPolicy of an entry's access fields, null when it has none, or 'invalid' when they do
 * not parse (the caller reports it).
 */
export function accessOf(entry: {
  allowed_mcps?: string[];
  blocked_mcps?: string[];
  tool_rules?: unknown[];
}): AccessPolicy | null | 'invalid' {
  const { allowed_mcps, blocked_mcps, tool_rules } = entry;
  if (allowed_mcps === undefined && blocked_mcps === undefined && tool_rules === undefined) return null;
  return (
    parseAccessPolicy({
      allowedMcps: allowed_mcps ?? [],
      blockedMcps: blocked_mcps ?? [],
      toolRules: tool_rules ?? [],
    }) ?? 'invalid'
  );
}
