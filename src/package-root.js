// The folder holding this package's package.json, found from this module's own location, so that
// files shipped beside the code (SQL migrations) are found from src/ and from dist/ alike.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
let cached;
export function packageRoot() {
    if (cached)
        return cached;
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
        if (fs.existsSync(path.join(dir, 'package.json')))
            return (cached = dir);
        const parent = path.dirname(dir);
        if (parent === dir)
            throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
        dir = parent;
    }
}
