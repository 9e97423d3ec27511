export { JobsIndicator, type JobsIndicatorProps } from './jobs-indicator.js';
export { useJobs, type JobsState } from './use-jobs.js';
export * from './jobs-model.js';
