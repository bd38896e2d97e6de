// QR rendering of a code: one alphanumeric segment (CODE_PREFIX and base45 are both in that set), ECC level Q.
import QRCode, { type QRCodeSegment } from 'qrcode';

const QR_ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]+$/;

function segments(text: string): QRCodeSegment[] {
  if (!QR_ALPHANUMERIC.test(text)) throw new TypeError('a health code must use only QR alphanumeric characters');
  return [{ data: text, mode: 'alphanumeric' }];
}

export async function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(segments(text), { type: 'svg', errorCorrectionLevel: 'Q' });
}

export async function renderQrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(segments(text), { type: 'png', errorCorrectionLevel: 'Q' });
}
