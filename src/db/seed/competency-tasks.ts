// The 23 ACT CBT&A tasks, exactly as SPEC-01 section 9 lists them: numbers, names, categories,
// descriptions, prerequisites, the two review tasks (17, 22) and the final drive (23).
// Reference data: seeding inserts what is missing by task_number and never edits an existing row.
import type { NewCompetencyTask } from '../types.js';

type TaskSeed = Pick<NewCompetencyTask, 'taskNumber' | 'name' | 'category' | 'description' | 'sortOrder'> & {
  prerequisites: number[];
  isReview?: boolean;
  reviewRequiresTasks?: number[];
  isFinalDrive?: boolean;
  finalDriveMinMinutes?: number;
  finalDriveUnfamiliarRoads?: boolean;
};

export const COMPETENCY_TASKS: readonly TaskSeed[] = [
  { taskNumber: 1, name: 'Pre-Drive Procedure', category: 'Basic Control', description: 'Starting, adjusting and shutting down the car; seatbelt, mirrors, head restraint, gear selection', prerequisites: [], sortOrder: 1 },
  { taskNumber: 2, name: 'Controls and Instruments', category: 'Basic Control', description: 'Understanding all vehicle controls, gauges and instruments', prerequisites: [1], sortOrder: 2 },
  { taskNumber: 3, name: 'Moving Off and Stopping', category: 'Basic Control', description: 'Smooth take-off from kerb and stop; clutch/brake coordination', prerequisites: [1, 2], sortOrder: 3 },
  { taskNumber: 4, name: 'Steering', category: 'Basic Control', description: 'Hand-over-hand, push-pull steering; maintaining lane position', prerequisites: [3], sortOrder: 4 },
  { taskNumber: 5, name: 'Gear Changing', category: 'Basic Control', description: 'Smooth up/down gear changes; selecting appropriate gear for speed and road conditions', prerequisites: [3], sortOrder: 5 },
  { taskNumber: 6, name: 'Low Speed Manoeuvres', category: 'Basic Control', description: 'U-turns, 3-point turns, reversing, parking (parallel, angle, 90°)', prerequisites: [3, 4, 5], sortOrder: 6 },
  { taskNumber: 7, name: 'Intersections — Give Way/Stop', category: 'Traffic', description: 'Approaching and negotiating give way and stop sign intersections', prerequisites: [3, 4, 5], sortOrder: 7 },
  { taskNumber: 8, name: 'Intersections — Traffic Lights', category: 'Traffic', description: 'Green, amber, red, arrows; turning at traffic lights', prerequisites: [7], sortOrder: 8 },
  { taskNumber: 9, name: 'Intersections — Roundabouts', category: 'Traffic', description: 'Single and multi-lane roundabouts; signalling; lane selection', prerequisites: [7], sortOrder: 9 },
  { taskNumber: 10, name: 'Lane Changing and Overtaking', category: 'Traffic', description: 'Safe lane changes; mirror checks; overtaking procedures', prerequisites: [4, 7], sortOrder: 10 },
  { taskNumber: 11, name: 'Speed Management', category: 'Traffic', description: 'Matching speed to conditions; speed zones; school zones', prerequisites: [3, 5], sortOrder: 11 },
  { taskNumber: 12, name: 'Gap Selection', category: 'Traffic', description: 'Judging safe gaps in traffic for turning and merging', prerequisites: [7, 10], sortOrder: 12 },
  { taskNumber: 13, name: 'Following Distance', category: 'Traffic', description: '3-second rule; adjusting for conditions', prerequisites: [11], sortOrder: 13 },
  { taskNumber: 14, name: 'Hazard Perception', category: 'Complex', description: 'Identifying and responding to potential hazards; scanning; prediction', prerequisites: [7, 11, 13], sortOrder: 14 },
  { taskNumber: 15, name: 'Sharing the Road', category: 'Complex', description: 'Vulnerable road users: cyclists, pedestrians, motorcyclists, heavy vehicles', prerequisites: [10, 14], sortOrder: 15 },
  { taskNumber: 16, name: 'Night Driving', category: 'Complex', description: 'High/low beam; reduced visibility; adjusting to darkness', prerequisites: [14], sortOrder: 16 },
  { taskNumber: 17, name: 'Review Assessment — Tasks 1-17', category: 'Review', description: 'Formal review of competencies 1-17', prerequisites: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], isReview: true, reviewRequiresTasks: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], sortOrder: 17 },
  { taskNumber: 18, name: 'Driving in Traffic', category: 'Complex', description: 'Higher traffic volumes; multi-lane roads; managing complex traffic environments', prerequisites: [10, 12, 14], sortOrder: 18 },
  { taskNumber: 19, name: 'Freeway / Highway Driving', category: 'Complex', description: 'Merging, exiting, maintaining speed on high-speed roads', prerequisites: [10, 11, 18], sortOrder: 19 },
  { taskNumber: 20, name: 'Rural / Country Roads', category: 'Complex', description: 'Unsealed roads, single-lane bridges, livestock, fatigue management', prerequisites: [11, 14], sortOrder: 20 },
  { taskNumber: 21, name: 'Adverse Conditions', category: 'Complex', description: 'Rain, fog, sun glare; adjusting driving for conditions', prerequisites: [14, 16], sortOrder: 21 },
  { taskNumber: 22, name: 'Review Assessment — Tasks 18-22', category: 'Review', description: 'Formal review of competencies 18-22', prerequisites: [17, 18, 19, 20, 21], isReview: true, reviewRequiresTasks: [18, 19, 20, 21], sortOrder: 22 },
  { taskNumber: 23, name: 'Final Drive Assessment', category: 'Final', description: 'Comprehensive final assessment; minimum 45 minutes; unfamiliar roads required', prerequisites: [17, 22], isFinalDrive: true, finalDriveMinMinutes: 45, finalDriveUnfamiliarRoads: true, sortOrder: 23 },
];
