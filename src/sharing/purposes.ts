import type { LocalizedText } from '../core/i18n.js';

/**
 * Purposes a department may declare for using shared data (PIPL: an explicit purpose, within the organ's duties).
 * Modelled on the purposes of the joint prevention and control mechanism; `purposeText` adds the specifics.
 */
export const PURPOSES: Record<string, LocalizedText> = {
  epidemic_control: { 'zh-CN': '疫情防控处置', en: 'Epidemic prevention and control' },
  contact_tracing: { 'zh-CN': '流行病学调查与密接追踪', en: 'Epidemiological investigation and contact tracing' },
  health_code: { 'zh-CN': '健康码状态评定', en: 'Health-code status assessment' },
  medical_care: { 'zh-CN': '医疗救治', en: 'Medical treatment' },
  risk_assessment: { 'zh-CN': '风险评估与预警', en: 'Risk assessment and early warning' },
  quarantine_management: { 'zh-CN': '隔离管控', en: 'Quarantine management' },
  statistics: { 'zh-CN': '统计分析（去标识化）', en: 'Statistics (de-identified)' },
  data_quality: { 'zh-CN': '数据核对与纠错', en: 'Data verification and correction' },
};

export const PURPOSE_CODES = Object.keys(PURPOSES);
