// Writes a run's HTML report from its cycle records in the local artifact store.
import { writeReportFromStore } from '../report/index.js';
import { artifactsDir } from '../store/artifact-store.js';

export async function writeRunReportFromStore(o: {
  home: string;
  runId: string;
  recordRefs: { key: string; name: string }[];
  outDir: string;
}): Promise<string> {
  const r = await writeReportFromStore({
    storeRoot: artifactsDir(o.home),
    runId: o.runId,
    refs: o.recordRefs,
    outDir: o.outDir,
  });
  return r.htmlPath;
}
