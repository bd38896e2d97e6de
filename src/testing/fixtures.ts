import type { Platform } from '../platform/platform.js';
import { generateCitizenId } from '../standard/index.js';
import { client, makeDepartment } from './server.js';

export const PEOPLE_FIELDS = [
  { name: 'citizen_id', element: 'citizen_id', required: true },
  { name: 'person_name', element: 'person_name', required: true },
  { name: 'phone', element: 'phone' },
  { name: 'birth_date', element: 'birth_date' },
  { name: 'address', element: 'address' },
  { name: 'division_code', element: 'division_code', required: true },
  { name: 'result', element: 'nat_result' },
];

export const person = (n: number, division = '440106') => ({
  citizen_id: generateCitizenId(division, '19900517', n),
  person_name: n % 2 ? '张三丰' : '欧阳娜娜',
  phone: `138${String(12345678 + n).padStart(8, '0')}`,
  birth_date: '1990-05-17',
  address: '广东省广州市天河区体育西路1号',
  division_code: division,
  result: n % 3 ? 'negative' : 'positive',
});

let seq = 0;

/** Two departments (an owner and a consumer), an administrator, and one dataset per sharing class with people in it. */
export async function sharingFixture(platform: Platform, url: string) {
  const owner = await makeDepartment(platform.db);
  const consumer = await makeDepartment(platform.db);
  const third = await makeDepartment(platform.db);
  const admin = await makeDepartment(platform.db, { role: 'admin' });
  const asOwner = client(url, owner.token);
  const tag = `${process.pid.toString(36)}${++seq}`;
  const ds = { unconditional: `people-u-${tag}`, conditional: `people-c-${tag}`, notShared: `people-n-${tag}` };
  const classes: [string, string][] = [
    [ds.unconditional, 'unconditional'],
    [ds.conditional, 'conditional'],
    [ds.notShared, 'not_shared'],
  ];
  const people = [1, 2, 3, 4, 5].map((n) => person(n)).concat([person(6, '440303'), person(7, '440303')]);
  for (const [id, sharingClass] of classes) {
    const res = await asOwner('POST', '/api/v1/datasets', {
      id,
      title: { 'zh-CN': '人员', en: 'People' },
      description: { 'zh-CN': '测试', en: 'test' },
      fields: PEOPLE_FIELDS,
      key: ['citizen_id'],
      updateFrequency: 'daily',
      coverage: { region: '440000' },
      sharingClass,
      ...(sharingClass === 'not_shared' ? { legalBasis: '《测试法》第一条 Test Act art. 1' } : {}),
    });
    if (res.status !== 201) throw new Error(`fixture dataset: ${JSON.stringify(res.body)}`);
    const ing = await asOwner('POST', `/api/v1/datasets/${id}/records`, people);
    if (ing.status !== 200 || ing.body.inserted !== people.length)
      throw new Error(`fixture ingest: ${JSON.stringify(ing.body)}`);
  }
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
  return { owner, consumer, third, admin, ds, people, inAWeek, api: (token?: string) => client(url, token) };
}
