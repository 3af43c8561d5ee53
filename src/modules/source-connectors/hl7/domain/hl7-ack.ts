import type { Hl7Header, Hl7Rejection } from './hl7-message-reader.js';

let ackSequence = 0;

/** Escapes text for a field with the standard delimiters. */
function escapeField(value: string): string {
  return value
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]/g, ' ');
}

function hl7Timestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.(\d{3})Z$/, '.$1+0000');
}

/**
 * An original-mode ACK with the standard delimiters: the sender and receiver swapped, MSA-2 the
 * control id received, and for AE/AR an MSA-3 reason and an ERR segment (2.5 layout: location in
 * ERR-2, HL7 0357 code in ERR-3, severity in ERR-4).
 */
export function buildHl7Ack(header: Hl7Header, ackCode: 'AA' | 'AE' | 'AR', rejection?: Hl7Rejection): string {
  const now = new Date();
  const trigger = header.triggerEvent && /^[A-Z0-9]{3}$/.test(header.triggerEvent) ? header.triggerEvent : '';
  const msh = [
    'MSH',
    '^~\\&',
    escapeField(header.receivingApplication),
    escapeField(header.receivingFacility),
    escapeField(header.sendingApplication),
    escapeField(header.sendingFacility),
    hl7Timestamp(now),
    '',
    trigger ? `ACK^${trigger}^ACK` : 'ACK',
    `TESSERA${now.getTime().toString(36)}${(ackSequence++ % 1_000_000).toString(36)}`,
    'P',
    /^[0-9.]{1,8}$/.test(header.version) ? header.version : '2.5',
  ].join('|');
  const segments = [msh, ['MSA', ackCode, escapeField(header.controlId), rejection ? escapeField(rejection.reason) : ''].join('|')];
  if (rejection) {
    const location = rejection.location ? rejection.location.split('^').map(escapeField).join('^') : '';
    segments.push(['ERR', '', location, `${rejection.errorCode}^${escapeField(rejection.reason)}^HL70357`, 'E'].join('|'));
  }
  return segments.join('\r');
}
