// A DNS query as a resolver receives it, for the embedded DNS's unit tests.

/** A query for `name` of `type` (1 A, 12 PTR, 28 AAAA) with id 0x1234, class IN, recursion desired. */
export function dnsQuery(name: string, type: number): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, tail]);
}
