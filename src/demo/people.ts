import { GUANGDONG, generateCitizenId, type Division } from '../standard/index.js';
import { between, pick, rng } from './rng.js';

// Residents live in Guangdong's county-level divisions (and the two cities without them, Dongguan and Zhongshan).
const parents = new Set(GUANGDONG.map((d) => d.parent).filter(Boolean));
const HOMES: Division[] = GUANGDONG.filter(
  (d) => d.level === 'district' || (d.level === 'city' && !parents.has(d.code)),
);
// Guangzhou's Tianhe district is over-represented: its community grid is a demo department.
const TIANHE = GUANGDONG.find((d) => d.code === '440106')!;

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split(
    '',
  );
const COMPOUND = ['欧阳', '司马', '上官', '诸葛'];
const GIVEN =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉红梅玲志强海燕鹏飞晓东嘉欣子轩雨涵浩然梓涵一诺欣怡宇航思远俊杰佳怡'.split(
    '',
  );
const ROADS = ['中山路', '解放路', '人民路', '天河路', '体育西路', '珠江大道', '建设路', '东风路', '新港路', '滨江路'];

// A bijection i → (birth day, sequence) keeps every synthetic ID number unique by construction.
const DAYS = 29_200; // 1940-01-01 + 80 years
const SPACE = DAYS * 1000;
const MULT = 7_919_263; // coprime with SPACE
const BIRTH_EPOCH = Date.UTC(1940, 0, 1);

export interface Person {
  index: number;
  citizenId: string;
  name: string;
  sex: '1' | '2';
  birthDate: string; // YYYY-MM-DD
  phone: string;
  division: Division;
  address: string;
}

export function personAt(seed: number, index: number): Person {
  const r = rng(seed * 1_000_003 + index);
  const p = (index * MULT + seed * 7_777) % SPACE;
  const day = Math.floor(p / 1000);
  const seq = p % 1000;
  const birth = new Date(BIRTH_EPOCH + day * 86_400_000);
  const birthDate = birth.toISOString().slice(0, 10);
  const division = r() < 0.2 ? TIANHE : pick(r, HOMES);
  const citizenId = generateCitizenId(division.code, birthDate.replaceAll('-', ''), seq);
  const surname = r() < 0.01 ? pick(r, COMPOUND) : pick(r, SURNAMES);
  const given = pick(r, GIVEN) + (r() < 0.7 ? pick(r, GIVEN) : '');
  const phone = `1${pick(r, ['3', '5', '7', '8', '9'])}${String(between(r, 0, 999_999_999)).padStart(9, '0')}`;
  const city = GUANGDONG.find((d) => d.code === division.parent);
  const address = `广东省${city?.name['zh-CN'] ?? ''}${division.name['zh-CN']}${pick(r, ROADS)}${between(r, 1, 999)}号`;
  return {
    index,
    citizenId,
    name: surname + given,
    sex: seq % 2 === 1 ? '1' : '2',
    birthDate,
    phone,
    division,
    address,
  };
}

/** The events in a person's recent life, drawn from their own seeded stream so any dataset can be rebuilt alone. */
export interface PersonEvents {
  tests: { sampleTime: string; result: 'negative' | 'positive'; lab: string }[];
  antigen: { time: string; result: 'negative' | 'positive' }[];
  doses: { product: string; dose: number; date: string }[];
  trips: { mode: string; trip: string; station: string; departure: string; arrival: string }[];
  scans: { venue: string; time: string }[];
  declarations: { time: string; temperature: number; symptoms: string }[];
  inbound: { trip: string; arrival: string; quarantineStart: string; quarantineEnd: string } | undefined;
  positive: boolean;
}

const LABS = ['GZ-KINGMED', 'GZ-DAAN', 'SZ-BGI', 'FS-HOSP01', 'DG-CDC-LAB', 'ST-HOSP02'];
const PRODUCTS = ['sinopharm_bibp', 'sinovac_coronavac', 'sinopharm_wibp', 'cansino_ad5', 'zhifei_zf2001'];
const TRAINS = ['G79', 'G80', 'G1001', 'D2301', 'G6201', 'G816', 'CZ3101', 'CZ3539', 'MU5301', 'CA1315', 'ZH9101'];
const STATIONS = [
  '广州南站',
  '深圳北站',
  '广州白云国际机场',
  '深圳宝安国际机场',
  '珠海站',
  '佛山西站',
  '汕头站',
  '湛江西站',
];
const SYMPTOMS = ['fever', 'cough', 'fatigue', 'sore_throat'];

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function eventsOf(seed: number, person: Person, asOf: number): PersonEvents {
  const r = rng(seed * 7_000_003 + person.index * 13 + 5);
  const at = (daysAgo: number, hour = between(r, 7, 21)): number =>
    asOf - daysAgo * DAY + (hour - 8) * HOUR + between(r, 0, 59) * 60_000;
  const iso = (ms: number) => new Date(ms - (ms % 60_000)).toISOString();
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const positive = r() < 0.003;
  const tests: PersonEvents['tests'] = [];
  const nTests = r() < 0.85 ? between(r, 1, 4) : 0;
  const testDays = new Set<number>();
  for (let i = 0; i < nTests; i++) testDays.add(between(r, 0, 13));
  const sortedDays = [...testDays].sort((a, b) => b - a);
  sortedDays.forEach((d, i) =>
    tests.push({
      sampleTime: iso(at(d)),
      result: positive && i === sortedDays.length - 1 ? 'positive' : 'negative',
      lab: pick(r, LABS),
    }),
  );
  if (positive && tests.length === 0) tests.push({ sampleTime: iso(at(1)), result: 'positive', lab: pick(r, LABS) });
  const antigen: PersonEvents['antigen'] = r() < 0.2 ? [{ time: iso(at(between(r, 0, 6))), result: 'negative' }] : [];
  const doses: PersonEvents['doses'] = [];
  if (r() < 0.9) {
    const n = between(r, 1, 3);
    const product = pick(r, PRODUCTS);
    for (let d = 1; d <= n; d++)
      doses.push({
        product: d === 3 && r() < 0.3 ? pick(r, PRODUCTS) : product,
        dose: d,
        date: date(asOf - (600 - d * 150 + between(r, 0, 30)) * DAY),
      });
  }
  const trips: PersonEvents['trips'] = [];
  if (r() < 0.15) {
    for (let i = between(r, 1, 2); i > 0; i--) {
      const dep = at(between(r, 1, 13));
      const code = pick(r, TRAINS);
      trips.push({
        mode: /^[A-Z]{2}\d/.test(code) ? 'flight' : 'train',
        trip: code,
        station: pick(r, STATIONS),
        departure: iso(dep),
        arrival: iso(dep + between(r, 1, 6) * HOUR),
      });
    }
  }
  const scans: PersonEvents['scans'] = [];
  if (r() < 0.6) {
    for (let i = between(r, 1, 5); i > 0; i--)
      scans.push({
        venue: `V${person.division.code}${String(between(r, 1, 400)).padStart(4, '0')}`,
        time: iso(at(between(r, 0, 13))),
      });
  }
  const declarations: PersonEvents['declarations'] = [];
  if (r() < 0.08) {
    const fever = r() < 0.4;
    declarations.push({
      time: iso(at(between(r, 0, 3))),
      temperature: fever ? 37.3 + between(r, 0, 15) / 10 : 36 + between(r, 2, 9) / 10,
      symptoms: fever ? 'fever' : r() < 0.5 ? pick(r, SYMPTOMS) : 'none',
    });
  }
  let inbound: PersonEvents['inbound'];
  if (r() < 0.005) {
    const arr = at(between(r, 2, 12));
    inbound = {
      trip: pick(r, ['CZ392', 'CZ346', 'MU212', 'CX901']),
      arrival: iso(arr),
      quarantineStart: date(arr),
      quarantineEnd: date(arr + 7 * DAY),
    };
  }
  return { tests, antigen, doses, trips, scans, declarations, inbound, positive };
}
