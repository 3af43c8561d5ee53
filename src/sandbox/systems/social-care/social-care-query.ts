import { z } from 'zod';

import { isValidNhsNumber, normaliseNhsNumber } from '../../../fhir/index.js';
import { SocialCareError } from './social-care.errors.js';
import { isoFromUkDate } from './social-care-format.js';

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

const page = {
  page: z.coerce.number().int('page must be a whole number').min(1, 'page starts at 1').default(1),
  pageSize: z.coerce
    .number()
    .int('pageSize must be a whole number')
    .min(1, 'pageSize must be at least 1')
    .max(MAX_PAGE_SIZE, `pageSize may be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
};

const text = (name: string) =>
  z.string(`${name} must be given once`).trim().min(1, `${name} must not be empty`).max(100, `${name} is too long`);

const clientQuerySchema = z.strictObject(
  {
    surname: text('surname').optional(),
    forename: text('forename').optional(),
    dob: z
      .string('dob must be given once')
      .transform((value, context) => {
        const iso = isoFromUkDate(value.trim());
        if (!iso) context.addIssue({ code: 'custom', message: 'dob must be a real date written DD/MM/YYYY' });
        return iso ?? '';
      })
      .optional(),
    postcode: z
      .string('postcode must be given once')
      .trim()
      .regex(/^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$/, 'postcode must be a full UK postcode')
      .optional(),
    nhsNumber: z
      .string('nhsNumber must be given once')
      .transform((value, context) => {
        const digits = normaliseNhsNumber(value.trim());
        if (!/^\d{10}$/.test(digits) || !isValidNhsNumber(digits)) {
          context.addIssue({ code: 'custom', message: 'nhsNumber must be ten digits that pass the modulus 11 check' });
        }
        return digits;
      })
      .optional(),
    ...page,
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : undefined) },
);

const changesQuerySchema = z.strictObject(
  {
    since: z
      .string('since is required: an ISO 8601 timestamp')
      .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'since must be an ISO 8601 timestamp')
      .refine((value) => !Number.isNaN(Date.parse(value)), 'since must be a real date and time')
      .transform((value) => new Date(Date.parse(value))),
    ...page,
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : undefined) },
);

export type ClientQuery = z.infer<typeof clientQuerySchema>;
export type ChangesQuery = z.infer<typeof changesQuerySchema>;

export function parseClientQuery(query: unknown): ClientQuery {
  return parse(clientQuerySchema, query);
}

export function parseChangesQuery(query: unknown): ChangesQuery {
  return parse(changesQuerySchema, query);
}

function parse<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0])) ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new SocialCareError('INVALID_QUERY', problems.join('; '));
}
