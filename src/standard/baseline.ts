import type { DataElement, LocalizedText, Mask, ValueSetEntry } from './types.js';

const t = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, en });
const v = (code: string, zh: string, en: string): ValueSetEntry => ({ code, name: t(zh, en) });

const NONE: Mask = { type: 'none' };
const NULL: Mask = { type: 'null' };
const YEAR: Mask = { type: 'year_only' };
const HASH: Mask = { type: 'hash' };

const TEST_RESULTS: ValueSetEntry[] = [
  v('negative', '阴性', 'negative'),
  v('positive', '阳性', 'positive'),
  v('invalid', '无效', 'invalid'),
];

/**
 * Built-in public-health-emergency baseline. Mask policy: sensitivity 1-2 unmasked (except where noted);
 * identifiers partially masked or hashed (joinable pseudonym); sensitivity-3 dates/times reduced to the year;
 * sensitivity-4 clinical/epidemiological facts and other sensitivity-3 attributes nulled.
 */
export const BASELINE_ELEMENTS: DataElement[] = [
  {
    code: 'citizen_id', name: t('公民身份号码', 'Citizen ID number'),
    description: t('GB 11643-1999 18位公民身份号码', '18-character citizen identity number (GB 11643-1999)'),
    type: 'string', checkRule: 'gb11643', maxLength: 18, sensitivity: 4,
    mask: { type: 'show_first_last', first: 4, last: 4 }, version: 1,
  },
  { code: 'person_name', name: t('姓名', 'Name'), type: 'string', maxLength: 64, sensitivity: 3, mask: { type: 'name' }, version: 1 },
  {
    code: 'sex', name: t('性别', 'Sex'), description: t('GB/T 2261.1 人的性别代码', 'Human sex code (GB/T 2261.1)'),
    type: 'code',
    valueSet: [v('0', '未知', 'unknown'), v('1', '男', 'male'), v('2', '女', 'female'), v('9', '未说明', 'unspecified')],
    sensitivity: 3, mask: NULL, version: 1,
  },
  { code: 'birth_date', name: t('出生日期', 'Date of birth'), type: 'date', sensitivity: 3, mask: YEAR, version: 1 },
  { code: 'phone', name: t('手机号码', 'Mobile phone number'), type: 'string', checkRule: 'cn_mobile', maxLength: 11, sensitivity: 3, mask: { type: 'phone' }, version: 1 },
  {
    code: 'division_code', name: t('行政区划代码', 'Administrative division code'),
    description: t('GB/T 2260 六位行政区划代码', 'Six-digit administrative division code (GB/T 2260)'),
    type: 'string', checkRule: 'gbt2260', maxLength: 6, sensitivity: 1, mask: NONE, version: 1,
  },
  { code: 'address', name: t('住址', 'Address'), type: 'string', maxLength: 256, sensitivity: 3, mask: { type: 'show_first', n: 6 }, version: 1 },
  { code: 'nat_sample_time', name: t('核酸采样时间', 'Nucleic-acid test sampling time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  { code: 'nat_result', name: t('核酸检测结果', 'Nucleic-acid test result'), type: 'code', valueSet: TEST_RESULTS, sensitivity: 4, mask: NULL, version: 1 },
  {
    code: 'lab_code', name: t('检测机构代码', 'Testing laboratory code'),
    type: 'string', pattern: '^[A-Za-z0-9_-]{2,32}$', maxLength: 32, sensitivity: 1, mask: NONE, version: 1,
  },
  { code: 'antigen_test_time', name: t('抗原检测时间', 'Antigen test time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  { code: 'antigen_result', name: t('抗原检测结果', 'Antigen test result'), type: 'code', valueSet: TEST_RESULTS, sensitivity: 4, mask: NULL, version: 1 },
  {
    code: 'vaccine_product', name: t('疫苗产品', 'Vaccine product'), type: 'code',
    valueSet: [
      v('sinopharm_bibp', '国药集团北京生物新冠灭活疫苗', 'Sinopharm BIBP inactivated vaccine'),
      v('sinopharm_wibp', '国药集团武汉生物新冠灭活疫苗', 'Sinopharm WIBP inactivated vaccine'),
      v('sinovac_coronavac', '北京科兴中维新冠灭活疫苗', 'Sinovac CoronaVac inactivated vaccine'),
      v('cansino_ad5', '康希诺腺病毒载体疫苗', 'CanSino Ad5-nCoV adenovirus-vector vaccine'),
      v('zhifei_zf2001', '智飞龙科马重组蛋白疫苗', 'Zhifei ZF2001 recombinant protein vaccine'),
      v('other', '其他', 'other'),
    ],
    sensitivity: 2, mask: NONE, version: 1,
  },
  { code: 'vaccine_dose', name: t('接种剂次', 'Vaccine dose number'), type: 'integer', minimum: 1, maximum: 5, sensitivity: 3, mask: NULL, version: 1 },
  { code: 'vaccination_date', name: t('接种日期', 'Vaccination date'), type: 'date', sensitivity: 3, mask: YEAR, version: 1 },
  {
    code: 'diagnosis', name: t('诊断分类', 'Diagnosis'), type: 'code',
    valueSet: [
      v('confirmed', '确诊病例', 'confirmed case'),
      v('asymptomatic', '无症状感染者', 'asymptomatic infection'),
      v('suspected', '疑似病例', 'suspected case'),
      v('excluded', '排除', 'excluded'),
    ],
    sensitivity: 4, mask: NULL, version: 1,
  },
  { code: 'onset_date', name: t('发病日期', 'Date of symptom onset'), type: 'date', sensitivity: 4, mask: NULL, version: 1 },
  { code: 'report_time', name: t('报告时间', 'Report time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  {
    code: 'case_id', name: t('病例编号', 'Case ID'), type: 'string', pattern: '^[A-Za-z0-9_-]{4,40}$', maxLength: 40,
    sensitivity: 3, mask: HASH, version: 1,
  },
  {
    code: 'contact_type', name: t('接触者类型', 'Contact type'), type: 'code',
    valueSet: [
      v('close', '密切接触者', 'close contact'),
      v('secondary', '密接的密接', 'contact of a close contact'),
      v('spatiotemporal', '时空伴随', 'spatiotemporal companion'),
    ],
    sensitivity: 4, mask: NULL, version: 1,
  },
  { code: 'exposure_date', name: t('暴露日期', 'Exposure date'), type: 'date', sensitivity: 4, mask: NULL, version: 1 },
  {
    code: 'travel_mode', name: t('出行方式', 'Travel mode'), type: 'code',
    valueSet: [
      v('train', '火车', 'train'),
      v('flight', '航班', 'flight'),
      v('coach', '长途客车', 'long-distance coach'),
      v('ship', '轮船', 'ship'),
      v('self_drive', '自驾', 'self-drive'),
    ],
    sensitivity: 3, mask: NULL, version: 1,
  },
  {
    code: 'trip_number', name: t('车次/航班号', 'Train or flight number'), type: 'string', pattern: '^[A-Z0-9]{2,8}$', maxLength: 8,
    sensitivity: 3, mask: { type: 'show_first', n: 1 }, version: 1,
  },
  { code: 'station', name: t('车站/机场/港口', 'Station, airport or port'), type: 'string', maxLength: 64, sensitivity: 3, mask: NULL, version: 1 },
  { code: 'departure_time', name: t('出发时间', 'Departure time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  { code: 'arrival_time', name: t('到达时间', 'Arrival time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  {
    code: 'venue_code', name: t('场所码编号', 'Venue code'), type: 'string', pattern: '^[A-Za-z0-9_-]{4,40}$', maxLength: 40,
    sensitivity: 2, mask: NONE, version: 1,
  },
  { code: 'scan_time', name: t('扫码时间', 'Scan time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  {
    code: 'body_temperature', name: t('体温（℃）', 'Body temperature (°C)'), type: 'number', minimum: 30, maximum: 45,
    sensitivity: 3, mask: NULL, version: 1,
  },
  {
    code: 'symptoms', name: t('症状', 'Symptoms'), type: 'code',
    valueSet: [
      v('none', '无症状', 'none'),
      v('fever', '发热', 'fever'),
      v('cough', '干咳', 'dry cough'),
      v('fatigue', '乏力', 'fatigue'),
      v('sore_throat', '咽痛', 'sore throat'),
      v('loss_of_smell', '嗅味觉减退', 'loss of smell or taste'),
      v('diarrhea', '腹泻', 'diarrhoea'),
      v('other', '其他', 'other'),
    ],
    sensitivity: 4, mask: NULL, version: 1,
  },
  { code: 'declaration_time', name: t('健康申报时间', 'Health declaration time'), type: 'datetime', sensitivity: 3, mask: YEAR, version: 1 },
  {
    code: 'credit_code', name: t('统一社会信用代码', 'Unified social credit code'),
    description: t('GB 32100-2015 统一社会信用代码', 'Unified social credit code (GB 32100-2015)'),
    type: 'string', checkRule: 'gb32100', maxLength: 18, sensitivity: 1, mask: NONE, version: 1,
  },
  { code: 'quarantine_start', name: t('隔离开始日期', 'Quarantine start date'), type: 'date', sensitivity: 4, mask: NULL, version: 1 },
  { code: 'quarantine_end', name: t('隔离结束日期', 'Quarantine end date'), type: 'date', sensitivity: 4, mask: NULL, version: 1 },
  {
    code: 'risk_level', name: t('风险等级', 'Risk level'), type: 'code',
    valueSet: [v('high', '高风险', 'high risk'), v('medium', '中风险', 'medium risk'), v('low', '低风险', 'low risk')],
    sensitivity: 1, mask: NONE, version: 1,
  },
];

/** A fresh code -> element map of the baseline (callers may add their own elements to it). */
export function baselineElementMap(): Map<string, DataElement> {
  return new Map(BASELINE_ELEMENTS.map((e) => [e.code, e]));
}
