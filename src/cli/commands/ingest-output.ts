import type { Receipt, RejectedRow } from '../types.js';

/** Rejected rows listed under a human receipt; the rest are one `govshare ingest rejects` away. */
export const SHOWN_REJECTED_ROWS = 20;

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

/**
 * The human receipt: the summary line, every problem of the first rejected rows (a row may have
 * several), and how many rejected rows are left unlisted.
 */
export function renderReceipt(r: Receipt, shownRows = SHOWN_REJECTED_ROWS): string {
  const lines = [receiptSummary(r)];
  const rows = new Set<number>();
  for (const issue of r.rejected) {
    if (!rows.has(issue.row)) {
      if (rows.size === shownRows) break;
      rows.add(issue.row);
    }
    lines.push(formatReject(issue));
  }
  const more = r.rowsRejected - rows.size;
  if (more > 0) lines.push(`... and ${more} more (govshare ingest rejects ${r.batchId})`);
  return lines.map((l) => `${l}\n`).join('');
}

export function isReceipt(v: unknown): v is Receipt {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<Receipt>;
  return (
    typeof r.batchId === 'string' &&
    typeof r.status === 'string' &&
    typeof r.rowsTotal === 'number' &&
    typeof r.rowsRejected === 'number' &&
    Array.isArray(r.rejected)
  );
}
