// Break-glass and self-declared access: recorded, time-limited, privacy officers alerted at once.
export { AccessGrants, PRIVACY_ALERT_PAGE_MAX, type GrantRequest, type PrivacyAlertPage } from './access-grants.service.js';
export { type PrivacyAlertRecord } from './access-grant.repository.js';
export { PrivacyAlertEvents, type PrivacyAlertRaised, type PrivacyAlertListener } from './privacy-alert-events.js';
export { AccessGrantErrorCode } from './access-grant.errors.js';
export {
  ACCESS_GRANT_KINDS,
  GRANT_REASON_MAX_LENGTH,
  type AccessGrantKind,
  type AccessGrantRecord,
  type ActiveGrants,
} from './domain/access-grant.js';
