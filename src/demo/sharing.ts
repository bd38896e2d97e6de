import { makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import type { Principal } from '../access/principal.js';
import { readPage } from '../records/read.js';
import { signTreeHead } from '../audit/heads.js';
import { reportError, answerCorrection } from '../sharing/corrections.js';
import { approveRequest, refuseRequest, requestShare, revokeGrant } from '../sharing/service.js';
import type { ShareRequestInput } from '../sharing/schema.js';
import { personAt, eventsOf } from './people.js';

const as = (platform: Platform, departmentId: string) =>
  makeCtx(platform, {
    kind: 'department',
    departmentId,
    role: departmentId === 'gd-dc' ? 'admin' : 'department',
    tokenId: 'demo',
  } satisfies Principal);

const DAY = 86_400_000;

/**
 * Live sharing in the demo province: granted, pending, overdue, refused and revoked requests, a correction loop,
 * and reads by other departments, so residents have an access history to see. All through the real services.
 */
export async function buildDemoSharing(
  platform: Platform,
  seed: number,
  persons: number,
  asOf: number,
): Promise<{ requests: number; reads: number; sampleResidents: string[] }> {
  const until = new Date(Date.now() + 90 * DAY).toISOString();
  const req = (dept: string, input: Omit<ShareRequestInput, 'periodEnd'> & { periodEnd?: string }) =>
    requestShare(as(platform, dept), { periodEnd: until, ...input });
  const tracing = {
    purposeText: '密切接触者流行病学调查 (tracing the contacts of reported cases)',
    legalBasis: '《中华人民共和国传染病防治法》第十二条、第三十一条',
  };

  await req('gd-cdc', {
    dataset: 'nucleic-acid-results',
    fields: ['citizen_id', 'person_name', 'sample_time', 'result', 'lab_code'],
    clearFields: ['citizen_id', 'result'],
    purposes: ['contact_tracing', 'health_code'],
    ...tracing,
  });
  await req('th-grid', {
    dataset: 'vaccinations',
    fields: ['citizen_id', 'product', 'dose', 'vaccination_date'],
    clearFields: ['citizen_id'], // the grid looks residents up by ID number, which needs it in clear
    purposes: ['epidemic_control'],
    purposeText: '社区疫苗接种动员 (community vaccination drive)',
    legalBasis: '《中华人民共和国疫苗管理法》第六条',
  });
  const trips = await req('gd-cdc', {
    dataset: 'travel-itineraries',
    fields: ['citizen_id', 'mode', 'trip_number', 'station', 'departure_time', 'arrival_time'],
    clearFields: ['citizen_id'], // tracing looks a case's trips up by ID number; trips and times stay masked
    purposes: ['contact_tracing'],
    ...tracing,
  });
  await approveRequest(as(platform, 'gd-transport'), trips.id, {
    reason: '同意，限流调使用 (approved for tracing only)',
  });
  await req('gd-hc', {
    dataset: 'residents',
    fields: ['citizen_id', 'person_name', 'phone', 'division_code'],
    purposes: ['epidemic_control'],
    purposeText: '疫情处置联系人员 (contacting people during outbreak response)',
    legalBasis: '《突发公共卫生事件应急条例》第二十一条',
  });
  const overdue = await req('th-grid', {
    dataset: 'residents',
    fields: ['citizen_id', 'person_name', 'address'],
    purposes: ['quarantine_management'],
    purposeText: '居家隔离上门服务 (home quarantine visits)',
    legalBasis: '《突发公共卫生事件应急条例》第四十条',
  });
  // Asked 16 days ago and never answered: overdue (the deadline is 10 working days).
  await platform.db.query(
    `UPDATE share_requests SET created_at = now() - interval '16 days', deadline = now() - interval '2 days' WHERE id = $1`,
    [overdue.id],
  );
  await platform.db.query(`UPDATE share_events SET at = now() - interval '16 days' WHERE request_id = $1`, [
    overdue.id,
  ]);
  await req('gd-cdc', {
    dataset: 'inbound-travellers',
    fields: ['citizen_id', 'arrival_time'],
    purposes: ['contact_tracing'],
    ...tracing,
  });
  const cases = await req('gd-transport', {
    dataset: 'case-reports',
    fields: ['citizen_id', 'diagnosis', 'division_code'],
    purposes: ['risk_assessment'],
    purposeText: '客运站点风险评估 (risk assessment of stations)',
    legalBasis: '《道路运输条例》第二十八条',
  });
  await refuseRequest(
    as(platform, 'gd-cdc'),
    cases.id,
    '病例个人信息超出最小必要范围，请改用公开的风险区域数据 (personal case data is beyond minimum necessary; use the published risk areas)',
  );
  const labs = await req('gd-labs', {
    dataset: 'residents',
    fields: ['citizen_id', 'phone'],
    purposes: ['medical_care'],
    purposeText: '阳性结果通知 (notifying positive results)',
    legalBasis: '《医疗机构管理条例》第三十三条',
  });
  await approveRequest(as(platform, 'gd-ps'), labs.id, {});
  await revokeGrant(as(platform, 'gd-ps'), labs.id, '已改由疾控中心统一通知 (notification moved to the CDC)');

  // Reads: the CDC traces contacts of the first residents with tests; the grid checks vaccinations.
  const cdc = as(platform, 'gd-cdc');
  const grid = as(platform, 'th-grid');
  const sample: string[] = [];
  let reads = 0;
  for (let i = 0; i < persons && sample.length < 12; i++) {
    const p = personAt(seed, i);
    const e = eventsOf(seed, p, asOf);
    if (e.tests.length === 0) continue;
    sample.push(p.citizenId);
    await readPage(cdc, 'nucleic-acid-results', { subject: p.citizenId, purpose: 'contact_tracing', limit: 10 });
    reads += 1;
    if (e.trips.length) {
      await readPage(cdc, 'travel-itineraries', { subject: p.citizenId, purpose: 'contact_tracing', limit: 10 });
      reads += 1;
    }
    if (e.doses.length) {
      await readPage(grid, 'vaccinations', { subject: p.citizenId, purpose: 'epidemic_control', limit: 10 });
      reads += 1;
    }
  }
  // A bulk read for health codes, page by page.
  await readPage(cdc, 'nucleic-acid-results', { purpose: 'health_code', limit: 500 });
  reads += 1;
  // The correction loop: one answered, one still open.
  const first = await readPage(cdc, 'nucleic-acid-results', {
    subject: sample[0],
    purpose: 'contact_tracing',
    limit: 1,
  });
  if (first.items[0]) {
    const c = await reportError(cdc, 'nucleic-acid-results', first.items[0].handle!, {
      field: 'lab_code',
      description: '检测机构编码与送检单不一致 (lab code differs from the request form)',
    });
    await answerCorrection(as(platform, 'gd-labs'), c.id, {
      status: 'rejected',
      answer: '经核对LIS原始记录，编码无误 (checked against the LIS record: correct)',
    });
  }
  const second = await readPage(cdc, 'nucleic-acid-results', {
    subject: sample[1],
    purpose: 'contact_tracing',
    limit: 1,
  });
  if (second.items[0])
    await reportError(cdc, 'nucleic-acid-results', second.items[0].handle!, {
      field: 'sample_time',
      description: '采样时间晚于报告时间 (sampling time after report time)',
    });
  await signTreeHead(platform.db, platform.ring);
  return { requests: 8, reads, sampleResidents: sample.slice(0, 5) };
}
