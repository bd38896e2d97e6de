import type { DatasetInput } from '../catalog/schema.js';
import type { MappingSpec } from '../ingest/schema.js';

const f = (name: string, element: string, required = false) => ({ name, element, required });
const L = (zh: string, en: string) => ({ 'zh-CN': zh, en });

export const DEMO_DATASETS: DatasetInput[] = [
  {
    id: 'residents', owner: 'gd-ps', title: L('人口基础信息', 'Population register'),
    description: L('常住人口身份与联系信息，公安机关负责维护。', 'Identity and contact details of residents, kept by public security.'),
    fields: [f('citizen_id', 'citizen_id', true), f('person_name', 'person_name', true), f('sex', 'sex', true), f('birth_date', 'birth_date', true), f('phone', 'phone'), f('division_code', 'division_code', true), f('address', 'address')],
    key: ['citizen_id'], updateFrequency: 'daily', coverage: { region: '440000' }, sharingClass: 'conditional', keywords: ['人口', 'population', 'identity'],
  },
  {
    id: 'nucleic-acid-results', owner: 'gd-labs', title: L('核酸检测结果', 'Nucleic-acid test results'),
    description: L('全省检测机构上报的新冠病毒核酸检测结果。', 'SARS-CoV-2 nucleic-acid test results reported by the province’s labs.'),
    fields: [f('citizen_id', 'citizen_id', true), f('person_name', 'person_name'), f('sample_time', 'nat_sample_time', true), f('result', 'nat_result', true), f('lab_code', 'lab_code', true), f('division_code', 'division_code')],
    key: ['citizen_id', 'sample_time'], updateFrequency: 'realtime', coverage: { region: '440000' }, sharingClass: 'unconditional', keywords: ['核酸', 'PCR', 'test'],
  },
  {
    id: 'antigen-results', owner: 'gd-labs', title: L('抗原检测结果', 'Antigen test results'),
    description: L('医疗机构和自测上报的抗原检测结果。', 'Antigen test results from clinics and self-tests.'),
    fields: [f('citizen_id', 'citizen_id', true), f('test_time', 'antigen_test_time', true), f('result', 'antigen_result', true)],
    key: ['citizen_id', 'test_time'], updateFrequency: 'realtime', coverage: { region: '440000' }, sharingClass: 'unconditional', keywords: ['抗原', 'antigen'],
  },
  {
    id: 'vaccinations', owner: 'gd-hc', title: L('新冠疫苗接种记录', 'COVID-19 vaccinations'),
    description: L('疫苗接种单位上报的接种记录。', 'Vaccinations reported by vaccination sites.'),
    fields: [f('citizen_id', 'citizen_id', true), f('product', 'vaccine_product', true), f('dose', 'vaccine_dose', true), f('vaccination_date', 'vaccination_date', true)],
    key: ['citizen_id', 'dose'], updateFrequency: 'daily', coverage: { region: '440000' }, sharingClass: 'unconditional', keywords: ['疫苗', 'vaccine'],
  },
  {
    id: 'case-reports', owner: 'gd-cdc', title: L('传染病病例报告', 'Case reports'),
    description: L('确诊病例、无症状感染者和疑似病例报告。', 'Reports of confirmed, asymptomatic and suspected cases.'),
    fields: [f('case_id', 'case_id', true), f('citizen_id', 'citizen_id', true), f('person_name', 'person_name'), f('diagnosis', 'diagnosis', true), f('onset_date', 'onset_date'), f('report_time', 'report_time', true), f('division_code', 'division_code', true)],
    key: ['case_id'], updateFrequency: 'realtime', coverage: { region: '440000' }, sharingClass: 'conditional', keywords: ['病例', 'case', 'surveillance'],
  },
  {
    id: 'close-contacts', owner: 'gd-cdc', title: L('密切接触者', 'Close contacts'),
    description: L('流调判定的密切接触者及次密接，含隔离期。', 'Close and secondary contacts found by tracing, with quarantine periods.'),
    fields: [f('case_id', 'case_id', true), f('citizen_id', 'citizen_id', true), f('contact_type', 'contact_type', true), f('exposure_date', 'exposure_date', true), f('quarantine_start', 'quarantine_start'), f('quarantine_end', 'quarantine_end')],
    key: ['case_id', 'citizen_id'], updateFrequency: 'realtime', coverage: { region: '440000' }, sharingClass: 'conditional', keywords: ['密接', 'contact tracing'],
  },
  {
    id: 'travel-itineraries', owner: 'gd-transport', title: L('旅客出行记录', 'Travel itineraries'),
    description: L('铁路、民航、道路客运实名制出行记录。', 'Named-passenger records of rail, air and coach travel.'),
    fields: [f('citizen_id', 'citizen_id', true), f('mode', 'travel_mode', true), f('trip_number', 'trip_number', true), f('station', 'station'), f('departure_time', 'departure_time', true), f('arrival_time', 'arrival_time')],
    key: ['citizen_id', 'trip_number', 'departure_time'], updateFrequency: 'hourly', coverage: { region: '440000' }, sharingClass: 'conditional', keywords: ['行程', 'itinerary', 'travel'],
  },
  {
    id: 'inbound-travellers', owner: 'gz-customs', title: L('入境人员检疫信息', 'Inbound traveller quarantine'),
    description: L('口岸入境人员的检疫与隔离信息。', 'Health quarantine of travellers entering at the ports.'),
    fields: [f('citizen_id', 'citizen_id', true), f('person_name', 'person_name'), f('trip_number', 'trip_number'), f('arrival_time', 'arrival_time', true), f('quarantine_start', 'quarantine_start'), f('quarantine_end', 'quarantine_end')],
    key: ['citizen_id', 'arrival_time'], updateFrequency: 'daily', coverage: { region: '440100' }, sharingClass: 'not_shared',
    legalBasis: '《中华人民共和国国境卫生检疫法》及《个人信息保护法》第三十四条：仅用于法定检疫职责，不对外共享。 Frontier Health and Quarantine Law; PIPL art. 34: used only for statutory quarantine duties.',
    keywords: ['入境', 'inbound', 'quarantine'],
  },
  {
    id: 'venue-scans', owner: 'th-grid', title: L('场所码扫码记录', 'Venue code scans'),
    description: L('公共场所扫码登记记录，保留21天。', 'Venue check-in scans, kept for 21 days.'),
    fields: [f('citizen_id', 'citizen_id', true), f('venue_code', 'venue_code', true), f('scan_time', 'scan_time', true)],
    key: ['citizen_id', 'venue_code', 'scan_time'], updateFrequency: 'realtime', coverage: { region: '440106' }, sharingClass: 'conditional', keywords: ['场所码', 'venue', 'scan'],
  },
  {
    id: 'symptom-declarations', owner: 'th-grid', title: L('健康申报', 'Health declarations'),
    description: L('居民健康申报的体温与症状。', 'Temperature and symptoms declared by residents.'),
    fields: [f('citizen_id', 'citizen_id', true), f('declaration_time', 'declaration_time', true), f('temperature', 'body_temperature'), f('symptoms', 'symptoms', true)],
    key: ['citizen_id', 'declaration_time'], updateFrequency: 'realtime', coverage: { region: '440106' }, sharingClass: 'unconditional', keywords: ['健康申报', 'symptoms', 'fever'],
  },
];

/** Mapping profiles showing how a department's local export becomes standard data. */
export const DEMO_PROFILES: { dataset: string; name: string; spec: MappingSpec }[] = [
  {
    dataset: 'nucleic-acid-results', name: 'lis-export',
    spec: {
      columns: { 身份证号: 'citizen_id', 姓名: 'person_name', 采样时间: 'sample_time', 检测结果: 'result', 机构编码: 'lab_code', 区划: 'division_code' },
      dateFormats: { sample_time: 'YYYY/MM/DD HH:mm' },
      codes: { result: { 阴性: 'negative', 阳性: 'positive', 无效: 'invalid' } },
    },
  },
  {
    dataset: 'venue-scans', name: 'grid-app',
    spec: { columns: { 证件号码: 'citizen_id', 场所编码: 'venue_code', 扫码时间: 'scan_time' }, dateFormats: { scan_time: 'YYYYMMDDHHmmss' } },
  },
];
