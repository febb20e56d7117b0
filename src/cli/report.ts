// `inftool report ID --out DIR`: renders a run's report (index.html + report.json) from the cycle
// records in its data directory's artifact store. Needs no Temporal server: the records are files.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeReportFromStore } from '../report/write.js';
import { artifactsDir } from '../store/artifact-store.js';

export function register(program: Command): Command {
  return program
    .command('report <id>')
    .description("write a run's report: one offline HTML page (index.html) and the same numbers as report.json")
    .requiredOption('--out <dir>', 'directory to write index.html and report.json into')
    .option(
      '--home <dir>',
      'data directory of the run (its artifacts live in <home>/artifacts)',
      process.env.INFTOOL_HOME ?? '.inftool',
    )
    .option('--store <dir>', 'artifact store directory, if not <home>/artifacts')
    .option('--title <text>', 'page title')
    .action(async (id: string, o: { out: string; home: string; store?: string; title?: string }) => {
      const storeRoot = resolve(o.store ?? artifactsDir(o.home));
      const written = await writeReportFromStore({
        storeRoot,
        runId: id,
        outDir: o.out,
        runInfo: o.title ? { title: o.title } : {},
      });
      console.log(`report of ${id} (${written.cycles} cycle(s)): ${written.htmlPath}\nnumbers: ${written.jsonPath}`);
    });
}
