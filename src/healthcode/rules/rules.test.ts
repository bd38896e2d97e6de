import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_RULESET } from './baseline.js';
import { evaluateRule } from './certlogic.js';
import { evaluateRuleSet } from './ruleset.js';
import type { PersonFacts } from './facts.js';
import type { Colour } from './types.js';

// A fixed evaluation time; every other time is given relative to it.
const NOW = '2022-05-20T08:00:00Z';
const NOW_MS = Date.parse(NOW);
const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const ago = (ms: number): string => iso(NOW_MS - ms);
const fromNow = (ms: number): string => iso(NOW_MS + ms);

type Test = PersonFacts['tests'][number];
const nat = (time: string, result: Test['result'] = 'negative'): Test => ({ kind: 'nat', time, result });
const antigen = (time: string, result: Test['result'] = 'negative'): Test => ({ kind: 'antigen', time, result });

function person(p: Partial<PersonFacts>): PersonFacts {
  return { now: NOW, tests: [], cases: [], contacts: [], quarantine: [], visits: [], symptoms: [], ...p };
}

/**
 * Asserts the colour and the fired rules (in reason order). Also checks that certlogic-js itself, rule by rule,
 * fires exactly the same rules as the compiled evaluation.
 */
function expectCode(p: Partial<PersonFacts>, colour: Colour, rules: string[] = []): void {
  const facts = person(p);
  const verdict = evaluateRuleSet(BASELINE_RULESET, facts);
  assert.equal(verdict.colour, colour);
  assert.deepEqual(
    verdict.reasons.map((r) => r.rule),
    rules,
  );
  const reference = BASELINE_RULESET.rules.filter((r) => evaluateRule(r.logic, facts) === true).map((r) => r.id);
  assert.deepEqual([...reference].sort(), [...rules].sort(), 'certlogic-js fires the same rules');
}

describe('green', () => {
  test('no facts at all', () => expectCode({}, 'green'));
  test('only negative tests', () =>
    expectCode({ tests: [nat(ago(1 * D)), antigen(ago(2 * D)), nat(ago(3 * D))] }, 'green'));
  test('a spatiotemporal contact is not a colour rule of the baseline', () =>
    expectCode({ contacts: [{ type: 'spatiotemporal', exposureDate: '2022-05-19' }] }, 'green'));
  test('old events no longer count', () =>
    expectCode(
      {
        tests: [antigen(ago(4 * D), 'positive'), nat(ago(15 * D), 'positive'), nat(ago(16 * D))],
        cases: [{ diagnosis: 'suspected', reportTime: ago(8 * D) }],
        visits: [{ level: 'high', area: '440106', time: ago(8 * D) }],
        symptoms: [{ time: ago(4 * D), fever: true, symptoms: '' }],
      },
      'green',
    ));
});

describe('red: confirmed or asymptomatic case', () => {
  const R = ['red.case-confirmed'];
  const confirmed = (t: string): PersonFacts['cases'] => [{ diagnosis: 'confirmed', reportTime: t }];
  test('asymptomatic case reported a day ago', () =>
    expectCode({ cases: [{ diagnosis: 'asymptomatic', reportTime: ago(D) }] }, 'red', R));
  test('red within 14 days even with two negative NATs', () =>
    expectCode({ cases: confirmed(ago(14 * D - MIN)), tests: [nat(ago(1 * D)), nat(ago(2 * D))] }, 'red', R));
  test('way back: exactly 14 days after the report, with two negative NATs 24 h apart after it', () =>
    expectCode({ cases: confirmed(ago(14 * D)), tests: [nat(ago(1 * D)), nat(ago(2 * D))] }, 'green'));
  test('stays red after 14 days without negative NATs', () => expectCode({ cases: confirmed(ago(20 * D)) }, 'red', R));
  test('stays red after 14 days with a single negative NAT', () =>
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(D))] }, 'red', R));
  test('way back: two negative NATs exactly 24 h apart after the report', () =>
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(5 * D)), nat(ago(6 * D))] }, 'green'));
  test('negative NATs 24 h minus a minute apart are not enough', () =>
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(6 * D - 24 * H + MIN)), nat(ago(6 * D))] }, 'red', R));
  test('a negative NAT at or before the report does not count', () => {
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(18 * D)), nat(ago(20 * D))] }, 'red', R);
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(18 * D)), nat(ago(21 * D))] }, 'red', R);
  });
  test('negative antigen tests and invalid NATs do not count', () => {
    expectCode({ cases: confirmed(ago(20 * D)), tests: [antigen(ago(1 * D)), nat(ago(3 * D))] }, 'red', R);
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(1 * D)), antigen(ago(3 * D))] }, 'red', R);
    expectCode({ cases: confirmed(ago(20 * D)), tests: [nat(ago(1 * D), 'invalid'), nat(ago(3 * D))] }, 'red', R);
  });
  test('the newest case counts: negatives after an older case only do not clear a newer one', () =>
    expectCode(
      {
        cases: [
          { diagnosis: 'confirmed', reportTime: ago(16 * D) },
          { diagnosis: 'confirmed', reportTime: ago(30 * D) },
        ],
        tests: [nat(ago(20 * D)), nat(ago(25 * D))],
      },
      'red',
      R,
    ));
});

describe('red: suspected case', () => {
  const R = ['red.case-suspected'];
  test('reported 7 days minus a minute ago', () =>
    expectCode({ cases: [{ diagnosis: 'suspected', reportTime: ago(7 * D - MIN) }] }, 'red', R));
  test('way back: exactly 7 days after the report', () =>
    expectCode({ cases: [{ diagnosis: 'suspected', reportTime: ago(7 * D) }] }, 'green'));
  test('way back: excluded after the suspicion', () =>
    expectCode(
      {
        cases: [
          { diagnosis: 'excluded', reportTime: ago(D) },
          { diagnosis: 'suspected', reportTime: ago(3 * D) },
        ],
      },
      'green',
    ));
  test('an exclusion before or at the time of the suspicion does not clear it', () => {
    expectCode(
      {
        cases: [
          { diagnosis: 'suspected', reportTime: ago(3 * D) },
          { diagnosis: 'excluded', reportTime: ago(5 * D) },
        ],
      },
      'red',
      R,
    );
    expectCode(
      {
        cases: [
          { diagnosis: 'suspected', reportTime: ago(3 * D) },
          { diagnosis: 'excluded', reportTime: ago(3 * D) },
        ],
      },
      'red',
      R,
    );
  });
});

describe('red: close contact in quarantine', () => {
  const R = ['red.close-contact'];
  const Y = ['yellow.close-contact-after-quarantine'];
  test('quarantine ends in a minute', () =>
    expectCode({ contacts: [{ type: 'close', exposureDate: '2022-05-10', quarantineEnd: fromNow(MIN) }] }, 'red', R));
  test('quarantine ends exactly now: over, and yellow for the week after', () =>
    expectCode({ contacts: [{ type: 'close', exposureDate: '2022-05-10', quarantineEnd: NOW }] }, 'yellow', Y));
  test('no end given: red for 7 days from the exposure date', () => {
    expectCode({ contacts: [{ type: 'close', exposureDate: '2022-05-14' }] }, 'red', R);
    expectCode({ now: '2022-05-20T00:00:00Z', contacts: [{ type: 'close', exposureDate: '2022-05-13' }] }, 'yellow', Y);
    expectCode({ now: '2022-05-19T23:59:59Z', contacts: [{ type: 'close', exposureDate: '2022-05-13' }] }, 'red', R);
  });
  test('secondary and spatiotemporal contacts are not red', () =>
    expectCode(
      {
        contacts: [
          { type: 'secondary', exposureDate: '2022-05-10', quarantineEnd: fromNow(D) },
          { type: 'spatiotemporal', exposureDate: '2022-05-19' },
        ],
      },
      'green',
    ));
});

describe('red: quarantine order in force', () => {
  const R = ['red.quarantine-order'];
  test('in force', () => expectCode({ quarantine: [{ start: ago(2 * D), end: fromNow(5 * D) }] }, 'red', R));
  test('from its start (inclusive)', () => expectCode({ quarantine: [{ start: NOW, end: fromNow(5 * D) }] }, 'red', R));
  test('way back: over at its end, and not yet in force before its start', () => {
    expectCode({ quarantine: [{ start: ago(14 * D), end: NOW }] }, 'green');
    expectCode({ quarantine: [{ start: fromNow(MIN), end: fromNow(5 * D) }] }, 'green');
  });
  test('dates are read as midnight UTC', () =>
    expectCode({ quarantine: [{ start: '2022-05-13', end: '2022-05-21' }] }, 'red', R));
});

describe('red: positive NAT', () => {
  const R = ['red.nat-positive'];
  test('positive a day ago', () => expectCode({ tests: [nat(ago(D), 'positive')] }, 'red', R));
  test('positive 14 days minus a minute ago', () =>
    expectCode({ tests: [nat(ago(14 * D - MIN), 'positive')] }, 'red', R));
  test('way back: 14 days after the test', () => expectCode({ tests: [nat(ago(14 * D), 'positive')] }, 'green'));
  test('way back: two negative NATs exactly 24 h apart after it', () =>
    expectCode({ tests: [nat(ago(3 * D)), nat(ago(4 * D)), nat(ago(5 * D), 'positive')] }, 'green'));
  test('two negative NATs 24 h minus a minute apart are not enough', () =>
    expectCode({ tests: [nat(ago(4 * D - 24 * H + MIN)), nat(ago(4 * D)), nat(ago(5 * D), 'positive')] }, 'red', R));
  test('negative NATs before the positive one do not count', () =>
    expectCode({ tests: [nat(ago(1 * D), 'positive'), nat(ago(3 * D)), nat(ago(5 * D))] }, 'red', R));
  test('the pair need not include the latest test: any two ≥ 24 h apart', () =>
    expectCode(
      { tests: [nat(ago(2 * D)), nat(ago(2 * D + H)), nat(ago(3 * D)), nat(ago(4 * D), 'positive')] },
      'green',
    ));
  test('the order of the tests does not matter', () =>
    expectCode({ tests: [nat(ago(5 * D)), nat(ago(3 * D)), nat(ago(1 * D), 'positive')] }, 'red', R));
});

describe('yellow: secondary contact', () => {
  const Y = ['yellow.secondary-contact'];
  const contact = (exposureDate: string): PersonFacts['contacts'] => [{ type: 'secondary', exposureDate }];
  test('exposed 6 days ago', () => expectCode({ contacts: contact('2022-05-14') }, 'yellow', Y));
  test('way back: exactly 7 days after the exposure', () => {
    expectCode({ now: '2022-05-20T00:00:00Z', contacts: contact('2022-05-13') }, 'green');
    expectCode({ now: '2022-05-19T23:59:00Z', contacts: contact('2022-05-13') }, 'yellow', Y);
  });
  test('way back: two negative NATs exactly 24 h apart within the last 3 days', () =>
    expectCode({ contacts: contact('2022-05-14'), tests: [nat(ago(D)), nat(ago(2 * D))] }, 'green'));
  test('a test exactly 3 days ago is outside the window, 3 days minus a minute inside', () => {
    expectCode({ contacts: contact('2022-05-14'), tests: [nat(ago(D)), nat(ago(3 * D))] }, 'yellow', Y);
    expectCode({ contacts: contact('2022-05-14'), tests: [nat(ago(D)), nat(ago(3 * D - MIN))] }, 'green');
  });
  test('negative NATs 24 h minus a minute apart are not enough', () =>
    expectCode({ contacts: contact('2022-05-14'), tests: [nat(ago(D + MIN)), nat(ago(2 * D))] }, 'yellow', Y));
  test('the tests must be after the exposure', () => {
    // exposure 2022-05-19 = 32 h before now
    expectCode({ contacts: contact('2022-05-19'), tests: [nat(ago(H)), nat(ago(2 * D))] }, 'yellow', Y);
    expectCode({ contacts: contact('2022-05-19'), tests: [nat(ago(H)), nat(ago(31 * H))] }, 'green');
  });
});

describe('yellow: stay in a risk area', () => {
  const Y = ['yellow.risk-area'];
  const stay = (time: string, level: 'high' | 'medium' = 'high'): PersonFacts['visits'] => [
    { level, area: '440106', time },
  ];
  test('high- or medium-risk area within 7 days', () => {
    expectCode({ visits: stay(ago(7 * D - MIN)) }, 'yellow', Y);
    expectCode({ visits: stay(ago(D), 'medium') }, 'yellow', Y);
  });
  test('way back: 7 days after the stay', () => expectCode({ visits: stay(ago(7 * D)) }, 'green'));
  test('way back: two negative NATs exactly 24 h apart within the last 3 days after the stay', () =>
    expectCode({ visits: stay(ago(5 * D)), tests: [nat(ago(H)), nat(ago(25 * H))] }, 'green'));
  test('24 h minus a minute apart, or one exactly 3 days ago, is not enough', () => {
    expectCode({ visits: stay(ago(5 * D)), tests: [nat(ago(H + MIN)), nat(ago(25 * H))] }, 'yellow', Y);
    expectCode({ visits: stay(ago(5 * D)), tests: [nat(ago(H)), nat(ago(3 * D))] }, 'yellow', Y);
  });
  test('the tests must be after the stay, and after the latest stay', () => {
    expectCode({ visits: stay(ago(D)), tests: [nat(ago(H)), nat(ago(2 * D))] }, 'yellow', Y);
    expectCode(
      { visits: [...stay(ago(2 * D)), ...stay(ago(6 * D), 'medium')], tests: [nat(ago(H)), nat(ago(2 * D + H))] },
      'yellow',
      Y,
    );
  });
});

describe('yellow: fever or symptoms', () => {
  const Y = ['yellow.symptoms'];
  const report = (time: string, fever = true, symptoms = ''): PersonFacts['symptoms'] => [{ time, fever, symptoms }];
  test('fever, or symptoms without fever, within 3 days', () => {
    expectCode({ symptoms: report(ago(3 * D - MIN)) }, 'yellow', Y);
    expectCode({ symptoms: report(ago(D), false, '咳嗽 cough') }, 'yellow', Y);
  });
  test('a report of neither fever nor symptoms is not a symptom report', () =>
    expectCode({ symptoms: report(ago(D), false, '') }, 'green'));
  test('way back: 3 days after the report', () => expectCode({ symptoms: report(ago(3 * D)) }, 'green'));
  test('way back: a negative NAT after the report', () =>
    expectCode({ symptoms: report(ago(D)), tests: [nat(ago(D - MIN))] }, 'green'));
  test('a negative NAT at the time of the report, or a negative antigen test, is not enough', () => {
    expectCode({ symptoms: report(ago(D)), tests: [nat(ago(D))] }, 'yellow', Y);
    expectCode({ symptoms: report(ago(D)), tests: [antigen(ago(H))] }, 'yellow', Y);
  });
});

describe('yellow: positive antigen test', () => {
  const Y = ['yellow.antigen-positive'];
  test('positive within 3 days', () => expectCode({ tests: [antigen(ago(3 * D - MIN), 'positive')] }, 'yellow', Y));
  test('way back: 3 days after the test', () => expectCode({ tests: [antigen(ago(3 * D), 'positive')] }, 'green'));
  test('way back: a negative NAT after it', () =>
    expectCode({ tests: [nat(ago(H)), antigen(ago(D), 'positive')] }, 'green'));
  test('a negative antigen test after it, or a negative NAT before it, is not enough', () => {
    expectCode({ tests: [antigen(ago(H)), antigen(ago(D), 'positive')] }, 'yellow', Y);
    expectCode({ tests: [antigen(ago(D), 'positive'), nat(ago(D + H))] }, 'yellow', Y);
  });
});

describe('yellow: close contact after quarantine', () => {
  const Y = ['yellow.close-contact-after-quarantine'];
  const contact = (quarantineEnd: string): PersonFacts['contacts'] => [
    { type: 'close', exposureDate: '2022-05-01', quarantineEnd },
  ];
  test('for 7 days after the end', () => expectCode({ contacts: contact(ago(7 * D - MIN)) }, 'yellow', Y));
  test('way back: 7 days after the end', () => expectCode({ contacts: contact(ago(7 * D)) }, 'green'));
  test('way back: a negative NAT after the end', () =>
    expectCode({ contacts: contact(ago(2 * D)), tests: [nat(ago(2 * D - MIN))] }, 'green'));
  test('a negative NAT at or before the end, or a negative antigen test, is not enough', () => {
    expectCode({ contacts: contact(ago(2 * D)), tests: [nat(ago(2 * D))] }, 'yellow', Y);
    expectCode({ contacts: contact(ago(2 * D)), tests: [antigen(ago(D)), nat(ago(3 * D))] }, 'yellow', Y);
  });
  test('no end given: from exposure + 7 days', () => {
    expectCode({ contacts: [{ type: 'close', exposureDate: '2022-05-10' }] }, 'yellow', Y);
    expectCode({ contacts: [{ type: 'close', exposureDate: '2022-05-10' }], tests: [nat(ago(D))] }, 'green');
  });
});

describe('several rules at once', () => {
  test('the strictest colour wins; every fired rule is a reason, red first', () => {
    const facts = person({
      tests: [antigen(ago(D), 'positive'), nat(ago(2 * D), 'positive')],
      cases: [{ diagnosis: 'suspected', reportTime: ago(D) }],
      visits: [{ level: 'medium', area: '440106', time: ago(2 * D) }],
    });
    const verdict = evaluateRuleSet(BASELINE_RULESET, facts);
    assert.equal(verdict.colour, 'red');
    assert.deepEqual(
      verdict.reasons.map((r) => [r.rule, r.colour]),
      [
        ['red.case-suspected', 'red'],
        ['red.nat-positive', 'red'],
        ['yellow.risk-area', 'yellow'],
        ['yellow.antigen-positive', 'yellow'],
      ],
    );
    const suspected = verdict.reasons[0]!;
    assert.match(suspected.description['zh-CN'], /疑似/);
    assert.match(suspected.description.en, /Suspected/);
  });
  test('two yellow rules give yellow with both reasons', () =>
    expectCode(
      {
        visits: [{ level: 'high', area: '440106', time: ago(D) }],
        symptoms: [{ time: ago(H), fever: true, symptoms: '' }],
      },
      'yellow',
      ['yellow.risk-area', 'yellow.symptoms'],
    ));
});
