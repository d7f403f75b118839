// The whole schema in one import: every table, relation and enum value list (SPEC-01's 29 tables and
// SPEC-07's notification_preferences, and parent_invitations: docs/spec-deviations.md).
// Pass it to drizzle({ schema }) and to drizzle-kit. Column helpers (./columns.ts) stay internal.

export * from './enums.js';

// Users & roles
export * from './users.js';
// CRM
export * from './crm.js';
// Services & availability
export * from './services.js';
// Bookings
export * from './bookings.js';
// Lessons & bridge forms
export * from './lessons.js';
// Compliance (CBT&A, signatures, audit)
export * from './compliance.js';
// Payments, packages, vouchers
export * from './payments.js';
// Communication (conversations, messages, call logs)
export * from './communication.js';
// Instructor tools (private notes, self-assessments)
export * from './instructor-tools.js';
// Notifications
export * from './notifications.js';
// RAG knowledge base
export * from './rag.js';
// System (waitlist)
export * from './system.js';
