/**
 * Remote caches: where cache objects and run-cache entries go so that another machine can
 * restore them. Two kinds, chosen by the URL:
 *
 *   file:///path/to/folder        a shared folder (NFS, a mounted volume)
 *   s3://bucket[/prefix]          the S3 API (AWS or any compatible server)
 *
 * A remote holds the same layout as the local state folder, under its root or prefix:
 *
 *   cache/<ab>/<rest of sha256>   one object per distinct file (content-addressed)
 *   runs/<fingerprint>.json       fingerprint → outputs and metrics
 *
 * A remote is never trusted: what is fetched is hashed before it enters the local cache
 * (sync.ts), so a corrupt or truncated remote object is a miss, never a wrong result. Writes are
 * whole-object (S3 PUT is atomic; a folder gets a temp file renamed into place), so a reader never
 * sees half an object.
 *
 * Credentials: S3 takes the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE) through the SDK's own chain, plus
 * STRATA_S3_ENDPOINT (or AWS_ENDPOINT_URL_S3) for a compatible server. They are never printed:
 * `describe` shows the URL without any user or password part, and errors name the bucket and
 * key only.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { StrataError } from "../core/errors.ts";
import { copyFileAtomic, tempSibling } from "./fs-atomic.ts";

export interface RemoteStore {
  /** The URL for messages: no credentials in it. */
  readonly describe: string;
  /** Keys under `prefix` ("cache/" or "runs/"), relative to the remote's root. */
  list(prefix: string): Promise<Set<string>>;
  /** Copies key to `destAbs` (written whole, then renamed); false when the key does not exist. */
  download(key: string, destAbs: string): Promise<boolean>;
  /** Copies `srcAbs` to key, replacing it whole. */
  upload(srcAbs: string, key: string): Promise<void>;
  /** Deletes key (absent is fine): a corrupt object is removed so the next push sends it whole. */
  remove(key: string): Promise<void>;
  /** Releases connections. */
  close(): void;
}

const REMOTE_HINT = "write the remote as file:///absolute/folder or s3://bucket/optional/prefix";

/** The URL with any user:password part removed, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/)[^@/]*@/i, "$1");
}

/** Opens the remote named by `url` (`where` says where the URL came from, for errors). */
export async function openRemote(url: string, where: string): Promise<RemoteStore> {
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "file") {
    let root: string;
    try {
      root = fileURLToPath(url);
    } catch (e) {
      throw new StrataError("ARGUMENT", `${where}: '${redactUrl(url)}' is not a file URL (${(e as Error).message})`, {
        hint: REMOTE_HINT,
      });
    }
    return new FolderRemote(resolve(root));
  }
  if (scheme === "s3") {
    const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url);
    if (!m || m[1].includes("@")) {
      throw new StrataError("ARGUMENT", `${where}: '${redactUrl(url)}' is not an S3 URL`, {
        hint: `${REMOTE_HINT}; credentials come from the AWS_* environment variables, never from the URL`,
      });
    }
    const prefix = (m[2] ?? "").replace(/\/+$/, "");
    const { S3Remote } = await import("./remote-s3.ts");
    return new S3Remote(m[1], prefix);
  }
  throw new StrataError("ARGUMENT", `${where}: unsupported remote '${redactUrl(url)}'`, { hint: REMOTE_HINT });
}

/** A shared folder. */
export class FolderRemote implements RemoteStore {
  constructor(readonly root: string) {}

  get describe(): string {
    return `file://${this.root}`;
  }

  async list(prefix: string): Promise<Set<string>> {
    const out = new Set<string>();
    const walk = async (rel: string): Promise<void> => {
      const entries = await readdir(join(this.root, rel), { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return [];
        throw e;
      });
      for (const d of entries) {
        const key = rel === "" ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) await walk(key);
        else if (d.isFile() && !d.name.startsWith(".")) out.add(key);
      }
    };
    await walk(prefix.replace(/\/+$/, ""));
    return out;
  }

  async download(key: string, destAbs: string): Promise<boolean> {
    try {
      return await copyFileAtomic(join(this.root, key), destAbs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false; // absent, or removed meanwhile
      throw e;
    }
  }

  /** Through a temp sibling whose name starts with '.', so `list` never shows a half-written object. */
  async upload(srcAbs: string, key: string): Promise<void> {
    await copyFileAtomic(srcAbs, join(this.root, key));
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.root, key), { force: true });
  }

  close(): void {}
}

/** Writes a readable stream to `destAbs` through a temp sibling (used by the S3 remote). */
export async function streamToFile(body: Readable, destAbs: string): Promise<void> {
  await mkdir(dirname(destAbs), { recursive: true });
  const tmp = tempSibling(destAbs);
  try {
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, destAbs);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
