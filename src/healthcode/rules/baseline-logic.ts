/** CertLogic pieces shared by several baseline rules. */
import { after, and, at, eq, exists, ifThen, latest, notAfter, v, when } from './logic.js';
import type { Logic } from './logic.js';

type Field = (field: string) => Logic;

/** The element is a NAT test with the given result. */
export const isNat = (c: Field, result: 'positive' | 'negative'): Logic =>
  and(eq(c('kind'), 'nat'), eq(c('result'), result));

/** The time of the latest negative NAT test, or "". */
export const LATEST_NEGATIVE_NAT: Logic = latest(v('tests'), 'time', (c) => isNat(c, 'negative'));

/** The end of a contact's quarantine plus `days`: quarantineEnd when given, else exposureDate + 7 days. */
export const QUARANTINE_END = (c: Field, days: number): Logic =>
  ifThen(c('quarantineEnd'), at(c('quarantineEnd'), days, 'day'), at(c('exposureDate'), 7 + days, 'day'));

/**
 * True when two negative NAT tests at least 24 hours apart were both taken after `since` (and, with `within`,
 * both within the last `within.days` days). The later test of such a pair can always be the latest negative
 * NAT (`lastNegative`), so it is enough to find one negative NAT after `since` taken ≥ 24 h before it.
 */
export function twoNegativeNatsAfter(
  tests: Logic,
  since: Logic,
  lastNegative: Logic,
  within?: { now: Logic; days: number },
): Logic {
  const context = within ? { since, lastNegative, now: within.now } : { since, lastNegative, now: '' };
  return when(
    lastNegative,
    exists(tests, context, (c, x) =>
      and(
        isNat(c, 'negative'),
        after(at(c('time')), at(x.since)),
        ...(within ? [after(at(c('time')), at(x.now, -within.days, 'day'))] : []),
        notAfter(at(c('time'), 24, 'hour'), at(x.lastNegative)),
      ),
    ),
  );
}
