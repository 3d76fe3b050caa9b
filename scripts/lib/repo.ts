import * as fs from "fs";
import * as path from "path";

/**
 * The repository root: the nearest folder above this file that holds `Pulumi.yaml`. Works both
 * from the TypeScript sources (tests) and from the compiled `dist/scripts/` copy (the demo).
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (
      fs.existsSync(path.join(dir, "Pulumi.yaml")) &&
      fs.existsSync(path.join(dir, "package.json"))
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Pulumi.yaml found above ${__dirname}`);
    dir = parent;
  }
}
