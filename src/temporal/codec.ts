/**
 * Encrypts every payload (workflow inputs, activity arguments and results: contact ids, coupon
 * codes, template variables) with AES-256-GCM before it reaches Temporal, so histories hold no
 * readable contact data. The Web UI shows them decrypted through the codec endpoint (src/http/codec.ts).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: Node's ESM loader sees only its default export.
const { temporal } = proto;
const ENCODING = 'binary/encrypted';
const CIPHER = 'aes-256-gcm';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export class AesGcmPayloadCodec implements PayloadCodec {
  /** Names the key in each payload, so a later key rotation can tell old payloads from new. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new Error(
        'PAYLOAD_ENCRYPTION_KEY must be 32 bytes (base64 of `openssl rand -base64 32`)',
      );
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_LENGTH);
      const cipher = createCipheriv(CIPHER, this.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.keyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.['encryption-key-id'] ?? []).toString();
      if (keyId !== this.keyId)
        throw new Error(
          `payload encrypted with key ${keyId}, but PAYLOAD_ENCRYPTION_KEY is key ${this.keyId}`,
        );
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv(CIPHER, this.key, data.subarray(0, IV_LENGTH));
      decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_LENGTH, data.length - TAG_LENGTH)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Without a key: payloads pass as they are, but an encrypted one (written by a worker that has
 * the key) is refused with a message naming the variable, not the SDK's "Unknown encoding".
 */
export class MissingKeyPayloadCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    for (const payload of payloads)
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() === ENCODING)
        throw new Error(
          'this workflow data is encrypted, and PAYLOAD_ENCRYPTION_KEY is not set: set it to the key the worker uses and run the command again',
        );
    return payloads;
  }
}

/** The data converter for clients and workers: encryption when a key is configured. */
export function dataConverterFor(key: Buffer | undefined): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [key ? new AesGcmPayloadCodec(key) : new MissingKeyPayloadCodec()] };
}
