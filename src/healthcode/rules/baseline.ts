/**
 * The baseline health-code rule set (Guangdong, 440000), following the national colour semantics of 2020-2022.
 *
 * Reading of the time words, the same in every rule:
 * - "within the last N days": the event's time is strictly after now − N days (exactly N days ago no longer counts);
 * - "after X": strictly later than X;
 * - "two negative NATs ≥ 24 h apart": two negative NAT tests whose times differ by 24 hours or more;
 * - a quarantine "has not ended" while now is strictly before its end; it "ended" from the end on;
 * - dates ('YYYY-MM-DD') are midnight UTC, as CertLogic reads them.
 * The "unless" parts are the ways back to green. Besides the colour rules of the brief, red.quarantine-order makes
 * a person under a quarantine order in force red (MISSION.md: red for people under quarantine; the facts carry the
 * orders). Spatiotemporal contacts have no rule of their own.
 * Each rule reduces a list to its latest relevant event first (a way back from the latest event is one from every
 * earlier one), so no rule depends on the order of the fact arrays.
 */
import { LATEST_NEGATIVE_NAT, QUARANTINE_END, isNat, twoNegativeNatsAfter } from './baseline-logic.js';
import {
  and,
  at,
  before,
  bind,
  eq,
  exists,
  isAfter,
  isIn,
  latest,
  not,
  notAfter,
  notBefore,
  or,
  v,
  when,
  after,
} from './logic.js';
import type { Rule, RuleSet } from './types.js';

const NOW = v('now');
const TESTS = v('tests');

const caseConfirmed: Rule = {
  id: 'red.case-confirmed',
  colour: 'red',
  description: {
    'zh-CN': '确诊病例或无症状感染者：报告后14天内为红码，此后直至报告后取得两次间隔至少24小时的核酸阴性结果',
    en: 'Confirmed or asymptomatic case: red for 14 days after the report, and after that until two negative NAT tests at least 24 hours apart have been taken after the report',
  },
  evidence: ['cases', 'tests'],
  logic: bind(
    {
      now: NOW,
      tests: TESTS,
      reported: latest(v('cases'), 'reportTime', (c) => isIn(c('diagnosis'), ['confirmed', 'asymptomatic'])),
      lastNegative: LATEST_NEGATIVE_NAT,
    },
    (x) =>
      when(
        x.reported,
        or(
          before(at(x.now), at(x.reported, 14, 'day')),
          not(twoNegativeNatsAfter(x.tests, x.reported, x.lastNegative)),
        ),
      ),
  ),
};

const caseSuspected: Rule = {
  id: 'red.case-suspected',
  colour: 'red',
  description: {
    'zh-CN': '7天内报告的疑似病例，其后未被排除',
    en: 'Suspected case reported within the last 7 days and not excluded since',
  },
  evidence: ['cases'],
  logic: bind(
    {
      now: NOW,
      suspected: latest(v('cases'), 'reportTime', (c) => eq(c('diagnosis'), 'suspected')),
      excluded: latest(v('cases'), 'reportTime', (c) => eq(c('diagnosis'), 'excluded')),
    },
    (x) =>
      when(
        x.suspected,
        and(after(at(x.suspected), at(x.now, -7, 'day')), not(when(x.excluded, isAfter(x.excluded, x.suspected)))),
      ),
  ),
};

const closeContactInQuarantine: Rule = {
  id: 'red.close-contact',
  colour: 'red',
  description: {
    'zh-CN': '密切接触者，隔离期未满（未注明隔离期的，暴露后7天内）',
    en: 'Close contact whose quarantine has not ended (7 days from exposure when no end is given)',
  },
  evidence: ['contacts'],
  logic: exists(v('contacts'), { now: NOW }, (c, x) =>
    and(eq(c('type'), 'close'), before(at(x.now), QUARANTINE_END(c, 0))),
  ),
};

const quarantineOrder: Rule = {
  id: 'red.quarantine-order',
  colour: 'red',
  description: {
    'zh-CN': '正在执行隔离管控措施',
    en: 'Under a quarantine order in force',
  },
  evidence: ['quarantine'],
  logic: exists(v('quarantine'), { now: NOW }, (c, x) =>
    and(notAfter(at(c('start')), at(x.now)), before(at(x.now), at(c('end')))),
  ),
};

const natPositive: Rule = {
  id: 'red.nat-positive',
  colour: 'red',
  description: {
    'zh-CN': '14天内核酸检测阳性，其后尚无两次间隔至少24小时的核酸阴性结果',
    en: 'Positive NAT test within the last 14 days without two negative NAT tests at least 24 hours apart after it',
  },
  evidence: ['tests'],
  logic: bind(
    {
      now: NOW,
      tests: TESTS,
      positive: latest(TESTS, 'time', (c) => isNat(c, 'positive')),
      lastNegative: LATEST_NEGATIVE_NAT,
    },
    (x) =>
      when(
        x.positive,
        and(
          after(at(x.positive), at(x.now, -14, 'day')),
          not(twoNegativeNatsAfter(x.tests, x.positive, x.lastNegative)),
        ),
      ),
  ),
};

/** Yellow for an event within the last 7 days, unless two negative NATs ≥ 24 h apart in the last 3 days after it. */
function sevenDaysUnlessTwoNegatives(latestEvent: unknown): unknown {
  return bind({ now: NOW, tests: TESTS, event: latestEvent, lastNegative: LATEST_NEGATIVE_NAT }, (x) =>
    when(
      x.event,
      and(
        after(at(x.event), at(x.now, -7, 'day')),
        not(twoNegativeNatsAfter(x.tests, x.event, x.lastNegative, { now: x.now, days: 3 })),
      ),
    ),
  );
}

/** Yellow for an event within the last 3 days, unless a negative NAT after it. */
function threeDaysUnlessNegative(latestEvent: unknown): unknown {
  return bind({ now: NOW, event: latestEvent, lastNegative: LATEST_NEGATIVE_NAT }, (x) =>
    when(
      x.event,
      and(after(at(x.event), at(x.now, -3, 'day')), not(when(x.lastNegative, isAfter(x.lastNegative, x.event)))),
    ),
  );
}

const secondaryContact: Rule = {
  id: 'yellow.secondary-contact',
  colour: 'yellow',
  description: {
    'zh-CN': '7天内被判定为次密切接触者，暴露后近3天内尚无两次间隔至少24小时的核酸阴性结果',
    en: 'Secondary contact exposed within the last 7 days, without two negative NAT tests at least 24 hours apart in the last 3 days after the exposure',
  },
  evidence: ['contacts', 'tests'],
  logic: sevenDaysUnlessTwoNegatives(latest(v('contacts'), 'exposureDate', (c) => eq(c('type'), 'secondary'))),
};

const riskArea: Rule = {
  id: 'yellow.risk-area',
  colour: 'yellow',
  description: {
    'zh-CN': '7天内到访中高风险区，离开后近3天内尚无两次间隔至少24小时的核酸阴性结果',
    en: 'Stay in a high- or medium-risk area within the last 7 days, without two negative NAT tests at least 24 hours apart in the last 3 days after the stay',
  },
  evidence: ['visits', 'tests'],
  logic: sevenDaysUnlessTwoNegatives(latest(v('visits'), 'time', (c) => isIn(c('level'), ['high', 'medium']))),
};

const symptoms: Rule = {
  id: 'yellow.symptoms',
  colour: 'yellow',
  description: {
    'zh-CN': '3天内报告发热或其他症状，其后尚无核酸阴性结果',
    en: 'Fever or other symptoms reported within the last 3 days, without a negative NAT test after the report',
  },
  evidence: ['symptoms', 'tests'],
  logic: threeDaysUnlessNegative(latest(v('symptoms'), 'time', (c) => or(c('fever'), c('symptoms')))),
};

const antigenPositive: Rule = {
  id: 'yellow.antigen-positive',
  colour: 'yellow',
  description: {
    'zh-CN': '3天内抗原检测阳性，其后尚无核酸阴性结果',
    en: 'Positive antigen test within the last 3 days, without a negative NAT test after it',
  },
  evidence: ['tests'],
  logic: threeDaysUnlessNegative(
    latest(TESTS, 'time', (c) => and(eq(c('kind'), 'antigen'), eq(c('result'), 'positive'))),
  ),
};

const closeContactAfterQuarantine: Rule = {
  id: 'yellow.close-contact-after-quarantine',
  colour: 'yellow',
  description: {
    'zh-CN': '密切接触者解除隔离后7天内，解除隔离后尚无核酸阴性结果',
    en: 'Close contact within 7 days after the end of quarantine, without a negative NAT test after that end',
  },
  evidence: ['contacts', 'tests'],
  logic: exists(v('contacts'), { now: NOW, lastNegative: LATEST_NEGATIVE_NAT }, (c, x) =>
    and(
      eq(c('type'), 'close'),
      notBefore(at(x.now), QUARANTINE_END(c, 0)),
      before(at(x.now), QUARANTINE_END(c, 7)),
      not(when(x.lastNegative, after(at(x.lastNegative), QUARANTINE_END(c, 0)))),
    ),
  ),
};

export const BASELINE_RULESET: RuleSet = {
  id: 'GD-HEALTHCODE',
  version: '1.0.0',
  region: '440000',
  validFrom: '2022-01-01T00:00:00Z',
  validTo: '2032-01-01T00:00:00Z',
  description: {
    'zh-CN':
      '广东省健康码基线规则：确诊、疑似、密接隔离、核酸阳性为红码；次密接、中高风险区旅居、发热或症状、抗原阳性、密接解除隔离后为黄码；其余为绿码',
    en: 'Guangdong baseline health-code rules: red for confirmed and suspected cases, close contacts in quarantine and positive NAT tests; yellow for secondary contacts, stays in risk areas, fever or symptoms, positive antigen tests and close contacts just out of quarantine; green otherwise',
  },
  rules: [
    caseConfirmed,
    caseSuspected,
    closeContactInQuarantine,
    quarantineOrder,
    natPositive,
    secondaryContact,
    riskArea,
    symptoms,
    antigenPositive,
    closeContactAfterQuarantine,
  ],
};
