// The modes in which records are read, and the platform jobs that may read them in system mode. Every read of the
// `records` table goes through src/records/ (the door) and states one of these modes; each mode is audited:
//
// - `owner`: the dataset's owning department (records/read path, one `records.read` entry per page);
// - `grant`: another department through a live grant covering the declared purpose (same path and entry);
// - `person`: a citizen's own records (records/person.ts, `person.records_viewed` naming the person);
// - `system`: a named platform job with its declared purpose (records/system.ts): one `records.read` entry per run
//   or per chunk of a long run, with the job, its purpose, the datasets and counts (never ID numbers), and, when a
//   person's data leaves the node, one entry per message naming that person (`federation.disclosed`).
import type { LocalizedText } from '../core/i18n.js';

export type ReadMode = 'owner' | 'grant' | 'person' | 'system';

export interface SystemJobInfo {
  /** The declared purpose of the job's reads, as audit entries name it. */
  purpose: string;
  description: LocalizedText;
}

/** The platform jobs that read records in system mode, each with its purpose. Nothing else reads in this mode. */
export const SYSTEM_JOBS = {
  'healthcode.recompute': {
    purpose: 'health_code',
    description: { 'zh-CN': '健康码状态计算', en: 'Health-code status computation (incremental and full recompute)' },
  },
  'federation.events': {
    purpose: 'epidemic_control',
    description: {
      'zh-CN': '向居民户籍所在地区通报病例和密接',
      en: 'Cases and contacts sent to the home region of the people concerned',
    },
  },
  'retention.purge': {
    purpose: 'storage_limitation',
    description: { 'zh-CN': '超过保存期限的行程数据删除', en: 'Deletion of movement data past the retention window' },
  },
  'keys.reencrypt': {
    purpose: 'key_rotation',
    description: {
      'zh-CN': '字段密钥轮换后的重新加密',
      en: 'Re-encryption of stored values under the active field key',
    },
  },
} as const satisfies Record<string, SystemJobInfo>;

export type SystemJob = keyof typeof SYSTEM_JOBS;

export const purposeOf = (job: SystemJob): string => SYSTEM_JOBS[job].purpose;
