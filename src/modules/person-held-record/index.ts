// The resident's own record: what they add, who they share with, who has looked.
// Not built yet (issue 9): the module is wired into the app so its place and boundaries exist.
export { PersonHeldRecordModule } from './person-held-record.module.js';
