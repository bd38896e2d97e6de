import type { Receipt, RejectedRow } from '../types.js';

export const SHOWN_REJECTS = 20;

/** `row N  field (element)  code: message`; the field part is left out for row-level problems. */
export function formatReject(r: RejectedRow): string {
  const where = r.field === null ? '' : r.element === null ? `${r.field}  ` : `${r.field} (${r.element})  `;
  return `row ${r.row}  ${where}${r.code}: ${r.message.replace(/[\r\n]+/g, ' ')}`;
}

export function receiptSummary(r: Receipt): string {
  return (
    `batch ${r.batchId} ${r.status}: ${r.rowsTotal} rows, ${r.rowsAccepted} accepted, ${r.rowsRejected} rejected ` +
    `(inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, duplicates in batch ${r.duplicatesInBatch})`
  );
}

/** The human receipt: summary line, the first rejections and a pointer to the rest. */
export function renderReceipt(r: Receipt, shown = SHOWN_REJECTS): string {
  const lines = [receiptSummary(r), ...r.rejected.slice(0, shown).map(formatReject)];
  const more = r.rejected.length - shown;
  if (more > 0 || (r.rejectedTruncated && r.rejected.length > 0)) {
    lines.push(`... and ${Math.max(more, 0)}${r.rejectedTruncated ? '+' : ''} more (govshare ingest rejects ${r.batchId})`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

export function isReceipt(v: unknown): v is Receipt {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<Receipt>;
  return typeof r.batchId === 'string' && typeof r.status === 'string' && typeof r.rowsTotal === 'number' && Array.isArray(r.rejected);
}
