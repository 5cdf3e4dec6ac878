import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/** Topic of the message that asks the loyalty side to enrol a customer in BonusPlus. */
export const ENROLL_TOPIC = 'loyalty.enroll';

const optionalText = (max: number) => z.string().max(max).nullish().transform((v) => v ?? null);

/** Producer: the customer subgraph (a registration, a customer new in RetailCRM). Consumer: loyalty. */
export const enrollmentSchema = z.object({
  customerId: z.string().min(1).max(100),
  /** E.164. */
  phone: z.string().regex(/^\+\d{8,15}$/),
  // Absent is as good as null: JSON drops an undefined field on the way.
  firstName: optionalText(100),
  lastName: optionalText(100),
  patronymic: optionalText(100),
  email: optionalText(254),
});

export type EnrollmentRequest = Readonly<z.input<typeof enrollmentSchema>>;

/** One enrolment per customer, however many times it is asked for. */
export const enrollmentMessage = (request: EnrollmentRequest): OutboxEnqueue => ({
  topic: ENROLL_TOPIC,
  payload: request,
  dedupeKey: `${ENROLL_TOPIC}:${request.customerId}`,
});
