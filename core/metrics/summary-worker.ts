/**
 * Worker thread: histogram summaries and their compressed encodings for checkpoints, off the
 * event loop that sends (summariser.ts is the main thread's end). Runs the one summarise().
 */
import { serve } from '../off-thread.js';
import type { LatencySummary } from '../result/index.js';
import { histogramFromSnapshot } from './histogram.js';
import { summarise } from './latency-summary.js';
import type { SummaryJob } from './summariser.js';

serve<SummaryJob[], LatencySummary[]>((jobs) => jobs.map((job) => summarise(histogramFromSnapshot(job.snapshot), job.censoring)));
