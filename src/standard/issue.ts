import type { ElementIssue, ValidationCode } from './types.js';

/** Builds an ElementIssue; only called on the failure path. */
export function mkIssue(code: ValidationCode, zh: string, en: string): ElementIssue {
  return { code, message: { 'zh-CN': zh, en } };
}
