export { PerformanceSection } from './performance-section.js';
