/**
 * The S3 remote (remote.ts has the layout and the rules). Loaded only when a remote is s3://,
 * so a local run never pays for the SDK.
 *
 * Endpoint: AWS unless STRATA_S3_ENDPOINT or AWS_ENDPOINT_URL_S3 names a compatible server
 * (then path-style addressing, which such servers expect). Region: AWS_REGION, else us-east-1.
 * Credentials: the SDK's default chain (environment, profile, instance role). None of these is
 * ever put in a message: errors name the bucket, the key and the S3 error code.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { StrataError } from "../core/errors.ts";
import { type RemoteStore, streamToFile } from "./remote.ts";

const CREDENTIALS_HINT =
  "check the bucket exists and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment may use it; " +
  "for an S3-compatible server set STRATA_S3_ENDPOINT=http://host:port";

export class S3Remote implements RemoteStore {
  private readonly client: S3Client;

  constructor(
    readonly bucket: string,
    /** Key prefix without a trailing slash ("" for the bucket's root). */
    readonly prefix: string,
  ) {
    const endpoint = process.env.STRATA_S3_ENDPOINT || process.env.AWS_ENDPOINT_URL_S3 || undefined;
    this.client = new S3Client({
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1",
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      // No streaming checksum framing (aws-chunked): some compatible servers store the framing
      // as part of the object. Integrity does not rest on it: every fetched object is hashed.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  get describe(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ""}`;
  }

  private key(rel: string): string {
    return this.prefix ? `${this.prefix}/${rel}` : rel;
  }

  private fail(op: string, rel: string, e: unknown): never {
    const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    const code = err.Code ?? err.name ?? "error";
    const status = err.$metadata?.httpStatusCode;
    throw new StrataError(
      "CACHE",
      `remote ${this.describe}: ${op} ${rel} failed (${code}${status ? `, HTTP ${status}` : ""})`,
      { hint: CREDENTIALS_HINT },
    );
  }

  async list(prefix: string): Promise<Set<string>> {
    const out = new Set<string>();
    const base = this.prefix ? `${this.prefix}/` : "";
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, ContinuationToken: token }),
        );
      } catch (e) {
        this.fail("listing", prefix, e);
      }
      for (const o of page.Contents ?? []) if (o.Key?.startsWith(base)) out.add(o.Key.slice(base.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async download(rel: string, destAbs: string): Promise<boolean> {
    let body: Readable;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      body = res.Body as Readable;
    } catch (e) {
      const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name === "NoSuchKey" || err.$metadata?.httpStatusCode === 404) return false;
      this.fail("downloading", rel, e);
    }
    await streamToFile(body, destAbs);
    return true;
  }

  async upload(srcAbs: string, rel: string): Promise<void> {
    const { size } = await stat(srcAbs);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(rel),
          Body: createReadStream(srcAbs),
          ContentLength: size,
        }),
      );
    } catch (e) {
      this.fail("uploading", rel, e);
    }
  }

  async remove(rel: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
    } catch (e) {
      this.fail("deleting", rel, e);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
