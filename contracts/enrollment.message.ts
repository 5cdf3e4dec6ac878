import type { OutboxEnqueue } from '../platform/outbox.js';

/** Topic of the message that asks the loyalty side to enrol a customer in BonusPlus. */
export const ENROLL_TOPIC = 'loyalty.enroll';

export interface EnrollmentRequest {
  readonly customerId: string;
  /** E.164. */
  readonly phone: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly patronymic: string | null;
  readonly email: string | null;
}

/** One enrolment per customer, however many times it is asked for. */
export const enrollmentMessage = (request: EnrollmentRequest): OutboxEnqueue => ({
  topic: ENROLL_TOPIC,
  payload: request,
  dedupeKey: `${ENROLL_TOPIC}:${request.customerId}`,
});
