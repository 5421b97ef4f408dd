// SHA-512 (FIPS 180-4) over the UTF-8 bytes of a string, for the names the reference plugins
// derive from a hash (pkg/utils' MustFormatHashWithPrefix: bandwidth's ifb "bwp…", portmap's
// and firewall's chain names). Plain u64 arithmetic, which WebAssembly has natively.

// @ts-ignore: decorator
@lazy const K: StaticArray<u64> = [
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
  0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
  0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
  0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
  0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
  0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
  0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
];

/** The 64-byte SHA-512 digest of `data`. */
export function sha512(data: Uint8Array): Uint8Array {
  const h: u64[] = [
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
  ];
  // The message, a 1 bit, zeros, and its length in bits as 128 bits: a multiple of 128 bytes.
  const n = data.length;
  const total = ((n + 17 + 127) >> 7) << 7;
  const m = new Uint8Array(total);
  m.set(data);
  m[n] = 0x80;
  const bits = (<u64>n) << 3;
  for (let i = 0; i < 8; i++) m[total - 1 - i] = <u8>(bits >> (<u64>(8 * i)));
  const w = new StaticArray<u64>(80);
  for (let off = 0; off < total; off += 128) {
    for (let t = 0; t < 16; t++) {
      let v: u64 = 0;
      for (let b = 0; b < 8; b++) v = (v << 8) | <u64>m[off + t * 8 + b];
      w[t] = v;
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 15], y = w[t - 2];
      const s0 = rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >> 7);
      const s1 = rotr<u64>(y, 19) ^ rotr<u64>(y, 61) ^ (y >> 6);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let t = 0; t < 80; t++) {
      const t1 = k + (rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
      const t2 = (rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 8; i++) for (let b = 0; b < 8; b++) out[i * 8 + b] = <u8>(h[i] >> (<u64>(56 - 8 * b)));
  return out;
}

/** Lower-case hex of the SHA-512 of the string's UTF-8 bytes (Go's `fmt.Sprintf("%x", sha512.Sum512(...))`). */
export function sha512Hex(s: string): string {
  const d = sha512(Uint8Array.wrap(String.UTF8.encode(s)));
  let out = "";
  for (let i = 0; i < d.length; i++) out += (<u32>d[i]).toString(16).padStart(2, "0");
  return out;
}

/**
 * `prefix` followed by the SHA-512 hex of `toHash`, cut to `length` characters, as pkg/utils'
 * MustFormatHashWithPrefix names bandwidth's ifb devices ("bwp" + 12 hex digits) and
 * portmap's chains. `prefix` must be shorter than `length`, at most 128 + its length.
 */
export function formatHashWithPrefix(length: i32, prefix: string, toHash: string): string {
  return (prefix + sha512Hex(toHash)).substring(0, length);
}
