import { buildHl7Ack } from './hl7-ack.js';
import { readClinicalContent, readHl7Message } from './hl7-message-reader.js';
import { parseHl7Date, parseHl7DateTime } from './hl7-time.js';
import { MllpFrameDecoder, mllpFrame } from './mllp-frame-decoder.js';

const adt = (trigger: string, ending = '\r') =>
  [
    `MSH|^~\\&|EPR|R9A|TESSERA|HUB|20250301101500||ADT^${trigger}|C1|P|2.4`,
    'EVN|A01|20250701101500',
    'PID|1||M1^^^R9A^MR~9434765919^^^NHS^NH||Doe^Jo^A||19800101|F|||1 St^^London^^N1 1AA',
    'PV1|1|I|W^B||||||||||||||||V9^^^R9A^VN',
  ].join(ending);

describe('readHl7Message', () => {
  it.each([['\r'], ['\n'], ['\r\n']])('accepts segment ending %j and normalises it to CR', (ending) => {
    const outcome = readHl7Message(adt('A01', ending));
    expect('accepted' in outcome && outcome.accepted.text.split('\r')).toHaveLength(4);
    expect('accepted' in outcome && outcome.accepted.patientKey).toBe('R9A|M1');
  });

  it('refuses unsupported triggers, missing MSH-10 and binary noise with AR and a reason', () => {
    expect(readHl7Message(adt('A12'))).toMatchObject({ rejected: { ackCode: 'AR', errorCode: 201 } });
    expect(readHl7Message(adt('A01').replace('|C1|', '||'))).toMatchObject({ rejected: { errorCode: 101, location: 'MSH^1^10' } });
    expect(readHl7Message(adt('A01') + '\x00\x01')).toMatchObject({ rejected: { reason: 'message contains control characters' } });
    expect(readHl7Message('')).toMatchObject({ rejected: { errorCode: 100 } });
  });
});

describe('readClinicalContent', () => {
  it('reads ids and codes: MRN, valid NHS number, visit, event time (London summer time)', () => {
    const content = readClinicalContent(adt('A01'));
    expect(content.patient).toEqual({ localId: 'M1', localIdAuthority: 'R9A', nhsNumber: '9434765919' });
    expect(content.careEvent).toMatchObject({ kind: 'admission', visitNumber: 'V9', eventTime: new Date('2025-07-01T09:15:00Z') });
    expect(content.demographics).toMatchObject({ familyName: 'Doe', givenNames: 'Jo A', birthDate: '1980-01-01', postcode: 'N1 1AA' });
  });
});

describe('HL7 times', () => {
  it('reads offsets, London local time and dates without shifting them', () => {
    expect(parseHl7DateTime('20250115120000+0100')).toEqual(new Date('2025-01-15T11:00:00Z'));
    expect(parseHl7DateTime('20250115120000')).toEqual(new Date('2025-01-15T12:00:00Z'));
    expect(parseHl7DateTime('2025011')).toBeNull();
    expect(parseHl7Date('19800631')).toBeNull();
    expect(parseHl7Date('198006300000')).toBe('1980-06-30');
  });
});

describe('MLLP framing and ACKs', () => {
  it('splits pipelined frames, keeps partial ones, drops noise, and cuts oversized input', () => {
    const decoder = new MllpFrameDecoder(100);
    const both = Buffer.concat([Buffer.from('noise'), mllpFrame('A'), mllpFrame('B').subarray(0, 2)]);
    expect(decoder.push(both)).toEqual([{ kind: 'frame', payload: Buffer.from('A') }]);
    expect(decoder.push(mllpFrame('B').subarray(2))).toEqual([{ kind: 'frame', payload: Buffer.from('B') }]);
    expect(decoder.push(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(200, 65)]))).toEqual([{ kind: 'oversized' }]);
  });

  it('builds MSA and ERR with escaped reason text', () => {
    const outcome = readHl7Message(adt('A12'));
    if (!('rejected' in outcome)) throw new Error('expected a rejection');
    const ack = buildHl7Ack(outcome.header, 'AR', outcome.rejected).split('\r');
    expect(ack[0]).toMatch(/^MSH\|\^~\\&\|TESSERA\|HUB\|EPR\|R9A\|\d+\.\d{3}\+0000\|\|ACK\^A12\^ACK\|/);
    expect(ack.slice(1)).toEqual([
      'MSA|AR|C1|trigger event ADT\\S\\A12 is not accepted',
      'ERR||MSH^1^9|201^trigger event ADT\\S\\A12 is not accepted^HL70357|E',
    ]);
  });
});
