import { readFile, writeFile } from 'node:fs/promises';

/** sip-tester's recording of one RFC 4733 key press (payload type 101, Ethernet/IPv4/UDP/RTP), the template of each digit. */
const TEMPLATE = '/usr/share/sip-tester/dtmf_2833_1.pcap';
const PCAP_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const ETHERNET_BYTES = 14;
/** RFC 4733 event codes: 0–9, then * and #. */
const EVENT: Record<string, number> = { '*': 10, '#': 11 };
/** 8 kHz telephone-event clock. */
const SAMPLES_PER_MS = 8;

/**
 * Writes a pcap SIPp plays with `play_pcap_audio`: `digits` keyed `gapMs` apart as ONE RTP stream
 * of RFC 4733 events, each its own event (its own RTP timestamp) with sequence numbers rising
 * throughout. sip-tester's one-digit recordings cannot be chained for a code: each has fixed
 * sequence numbers and timestamps, so a digit played twice (the 2s of `*22*`) is the same event
 * to Asterisk and counted once, and digits out of the recording's order look late.
 */
export async function writeDtmfPcap(file: string, digits: string, gapMs = 400): Promise<void> {
  const template = await readFile(TEMPLATE);
  const packets: Buffer[] = [];
  for (let offset = PCAP_HEADER_BYTES; offset < template.length;) {
    const length = template.readUInt32LE(offset + 8);
    packets.push(template.subarray(offset, offset + RECORD_HEADER_BYTES + length));
    offset += RECORD_HEADER_BYTES + length;
  }
  const first = packets[0]!;
  const startSeconds = first.readUInt32LE(0);
  const startMicros = first.readUInt32LE(4);
  const rtpAt = (packet: Buffer) => {
    const ip = RECORD_HEADER_BYTES + ETHERNET_BYTES;
    return { udp: ip + (packet[ip]! & 0x0f) * 4, rtp: ip + (packet[ip]! & 0x0f) * 4 + 8 };
  };
  const { rtp: firstRtp } = rtpAt(first);
  const seq0 = first.readUInt16BE(firstRtp + 2);
  const ts0 = first.readUInt32BE(firstRtp + 4);

  const out: Buffer[] = [template.subarray(0, PCAP_HEADER_BYTES)];
  [...digits].forEach((digit, i) => {
    const event = EVENT[digit] ?? Number(digit);
    if (!Number.isInteger(event) || event > 11) throw new Error(`"${digit}" is not a DTMF key`);
    packets.forEach((template, j) => {
      const packet = Buffer.from(template);
      // When it is sent: the recording's own pacing within a key press, `gapMs` between presses.
      const micros =
        (packet.readUInt32LE(0) - startSeconds) * 1_000_000 + packet.readUInt32LE(4) - startMicros + i * gapMs * 1000;
      packet.writeUInt32LE(startSeconds + Math.floor((startMicros + micros) / 1_000_000), 0);
      packet.writeUInt32LE((startMicros + micros) % 1_000_000, 4);
      const { udp, rtp } = rtpAt(packet);
      packet.writeUInt16BE(0, udp + 6); // no UDP checksum (optional over IPv4): the payload changed
      packet.writeUInt16BE((seq0 + i * packets.length + j) & 0xffff, rtp + 2);
      packet.writeUInt32BE((ts0 + i * gapMs * SAMPLES_PER_MS) >>> 0, rtp + 4);
      packet[rtp + 12] = event;
      out.push(packet);
    });
  });
  await writeFile(file, Buffer.concat(out));
}
