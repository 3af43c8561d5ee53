// A person's own view of who accessed their record (docs/PERSON-HELD-RECORD.md, "Who has looked").
export { AccessLog, ACCESS_LOG_PAGE_MAX, type AccessLogEntry, type AccessLogQuery, type BreakGlassAlert } from './access-log.service.js';
