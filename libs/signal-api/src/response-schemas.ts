import { z } from 'zod';

// The answers of signal-cli-rest-api as its swagger.json (client.About, client.IdentityEntry,
// api.SendMessageResponse) and its Go sources describe them. Unknown keys are tolerated: newer versions add fields.

/** `GET /v1/about`. */
export const aboutSchema = z.object({
  mode: z.string().max(100),
  version: z.string().max(100),
  versions: z.array(z.string().max(100)).max(100),
  build: z.number().int(),
  capabilities: z.record(z.string().max(200), z.array(z.string().max(200)).max(100)),
});

/** `GET /v1/accounts`: numbers (a linked account has one too). */
export const accountsSchema = z.array(z.string().max(100)).max(10_000);

/** One entry of `GET /v1/identities/{number}`. signal-cli fills `uuid` and `added` but may leave them empty. */
export const identityEntrySchema = z.object({
  number: z.string().max(100),
  uuid: z.string().max(100).optional(),
  status: z.string().max(100),
  fingerprint: z.string().max(1000),
  safety_number: z.string().max(1000),
  added: z.string().max(100).optional(),
});

/** `GET /v1/identities/{number}`. */
export const identitiesSchema = z.array(identityEntrySchema).max(100_000);

/** `POST /v2/send` (201): the timestamp as a decimal string, and the recipients that failed, if any. */
export const sendAnswerSchema = z.object({
  timestamp: z.string().regex(/^[0-9]{1,16}$/),
  errors: z
    .object({
      recipients: z
        .array(
          z.object({
            number: z.string().max(100).optional(),
            uuid: z.string().max(100).optional(),
            username: z.string().max(200).optional(),
            reason: z.string().max(200).optional(),
          }),
        )
        .max(10_000)
        .optional(),
    })
    .optional(),
});
