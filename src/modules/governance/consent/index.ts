// The person's consent settings: stored by NHS number, read for every access decision, changed
// only by the person themself (docs/SECURITY.md, "Consent").
export { ConsentSettings, type ConsentSettingsView, type ConsentUpdateOptions } from './consent-settings.service.js';
export { type ConsentChangeRecord } from './consent-settings.repository.js';
export {
  DEFAULT_CONSENT,
  InvalidConsentChange,
  toPersonConsent,
  validateConsentChange,
  type ConsentChange,
  type ConsentChoices,
  type HiddenSectionsByKind,
} from './domain/consent-settings.js';
