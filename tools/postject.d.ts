// postject ships no types; this is the one function tools/build.ts uses.
declare module "postject" {
  export function inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
}
