import type { DepartmentInput } from '../departments/schema.js';
import { generateCreditCode } from '../standard/index.js';

// Government organs: registration authority 1 (机构编制), type 1 (机关); the org-code part is synthetic.
const code = (region: string, org: string): string => generateCreditCode(`11${region}${org}`);

export const DEMO_ADMIN = 'gd-dc';

export const DEMO_DEPARTMENTS: DepartmentInput[] = [
  {
    id: 'gd-dc',
    name: { 'zh-CN': '广东省政务大数据中心', en: 'Guangdong Government Big Data Center' },
    creditCode: code('440000', 'MB2C90001'),
    level: 'provincial',
    region: '440000',
    role: 'admin',
    contact: { person: '数据中心值班室', phone: '020-00000001' },
  },
  {
    id: 'gd-hc',
    name: { 'zh-CN': '广东省卫生健康委员会', en: 'Health Commission of Guangdong Province' },
    creditCode: code('440000', '006939572'),
    level: 'provincial',
    region: '440000',
    contact: { person: '疫情防控处', phone: '020-00000002' },
  },
  {
    id: 'gd-cdc',
    name: { 'zh-CN': '广东省疾病预防控制中心', en: 'Guangdong Provincial Center for Disease Control and Prevention' },
    creditCode: code('440000', '455858800'),
    level: 'provincial',
    region: '440000',
    contact: { person: '传染病预防控制所', phone: '020-00000003' },
  },
  {
    id: 'gd-labs',
    name: {
      'zh-CN': '广东省临床检验中心（医疗机构与检测实验室）',
      en: 'Guangdong Clinical Laboratory Center (hospitals and labs)',
    },
    creditCode: code('440000', '45585890X'),
    level: 'provincial',
    region: '440000',
    contact: { person: '质量控制科', phone: '020-00000004' },
  },
  {
    id: 'gd-ps',
    name: { 'zh-CN': '广东省公安厅', en: 'Guangdong Provincial Public Security Department' },
    creditCode: code('440000', '006939001'),
    level: 'provincial',
    region: '440000',
    contact: { person: '人口管理处', phone: '020-00000005' },
  },
  {
    id: 'gd-transport',
    name: { 'zh-CN': '广东省交通运输厅', en: 'Guangdong Provincial Department of Transport' },
    creditCode: code('440000', '006939311'),
    level: 'provincial',
    region: '440000',
    contact: { person: '运输处', phone: '020-00000006' },
  },
  {
    id: 'gz-customs',
    name: { 'zh-CN': '广州海关', en: 'Guangzhou Customs' },
    creditCode: code('440100', '00000001X'),
    level: 'city',
    region: '440100',
    contact: { person: '卫生检疫处', phone: '020-00000007' },
  },
  {
    id: 'th-grid',
    name: {
      'zh-CN': '广州市天河区社区网格管理中心',
      en: 'Tianhe District Community Grid Management Center, Guangzhou',
    },
    creditCode: code('440106', 'MB2C90026'),
    level: 'district',
    region: '440106',
    contact: { person: '网格办', phone: '020-00000008' },
  },
];
