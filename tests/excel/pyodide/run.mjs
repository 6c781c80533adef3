// Runs a Python script under Pyodide (the npm package, no network): node run.mjs WHEEL_DIR SCRIPT.py
// The wheels in WHEEL_DIR are unpacked into site-packages (what micropip does; micropip itself comes from the CDN),
// then SCRIPT.py runs and its last expression, a JSON string, is printed.
import { loadPyodide } from "pyodide";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [wheelDir, script] = process.argv.slice(2);
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/wheels");
for (const name of readdirSync(wheelDir).filter((n) => n.endsWith(".whl"))) {
  pyodide.FS.writeFile(`/wheels/${name}`, readFileSync(join(wheelDir, name)));
}
await pyodide.runPythonAsync(`
import glob, site, zipfile
target = site.getsitepackages()[0]
for wheel in sorted(glob.glob("/wheels/*.whl")):
    zipfile.ZipFile(wheel).extractall(target)
`);
const out = await pyodide.runPythonAsync(readFileSync(script, "utf8"));
console.log(out);
