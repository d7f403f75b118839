// The 7 default services of SPEC-01 section 9 (prices in cents). Seeding inserts what is missing by slug.
import type { NewService } from '../types.js';

export const DEFAULT_SERVICES: readonly NewService[] = [
  { name: 'Learner Lesson (60 min)', slug: 'learner-60', description: 'Standard 60-minute driving lesson for learner drivers', durationMinutes: 60, priceCents: 10500, category: 'lesson', sortOrder: 1 },
  { name: 'Learner Lesson (90 min)', slug: 'learner-90', description: 'Extended 90-minute driving lesson', durationMinutes: 90, priceCents: 15000, category: 'lesson', sortOrder: 2 },
  { name: 'Learner Lesson (120 min)', slug: 'learner-120', description: 'Double lesson — 2 hours of intensive practice', durationMinutes: 120, priceCents: 19500, category: 'lesson', sortOrder: 3 },
  { name: 'Co-Lesson (60 min)', slug: 'co-lesson-60', description: 'Parent/supervisor rides along to learn coaching techniques', durationMinutes: 60, priceCents: 10500, category: 'co_lesson', sortOrder: 4 },
  { name: 'Pre-Test Review (60 min)', slug: 'pre-test-review-60', description: 'Review assessment and test preparation', durationMinutes: 60, priceCents: 10500, category: 'assessment', requiresEligibilityCheck: true, sortOrder: 5 },
  { name: 'Final Drive Assessment (90 min)', slug: 'final-drive-90', description: 'Comprehensive final assessment — 45 min drive minimum', durationMinutes: 90, priceCents: 15000, category: 'assessment', requiresEligibilityCheck: true, sortOrder: 6 },
  { name: 'Keys2Drive Free Lesson', slug: 'keys2drive', description: 'Government-funded 60-minute lesson with supervising driver', durationMinutes: 60, priceCents: 0, category: 'special', sortOrder: 7 },
];
