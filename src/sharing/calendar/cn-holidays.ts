// The State Council's published holiday arrangements (国务院办公厅关于部分节假日安排的通知), one entry per holiday as the
// notice states it: the days off (放假调休, a closed range, weekends inside it included) and the make-up working days
// (调休上班, Saturdays or Sundays that are working days). Only years whose notice is published and checked are here;
// an administrator adds a later year (or corrects one) through PUT /api/v1/admin/calendar/{year}, which wins over
// this table for that year. A deadline that runs into a year covered by neither counts weekends only, and says so.

export interface HolidayArrangement {
  name: string; // zh-CN name as in the notice
  off: readonly [string, string]; // first and last day off, YYYY-MM-DD, inclusive
  workdays: readonly string[]; // make-up working days, YYYY-MM-DD
}

export interface YearArrangement {
  notice: string; // the title of the notice this year follows
  holidays: readonly HolidayArrangement[];
}

export const CN_HOLIDAYS: Readonly<Record<number, YearArrangement>> = {
  2024: {
    notice: '国务院办公厅关于2024年部分节假日安排的通知',
    holidays: [
      { name: '元旦', off: ['2024-01-01', '2024-01-01'], workdays: [] },
      { name: '春节', off: ['2024-02-10', '2024-02-17'], workdays: ['2024-02-04', '2024-02-18'] },
      { name: '清明节', off: ['2024-04-04', '2024-04-06'], workdays: ['2024-04-07'] },
      { name: '劳动节', off: ['2024-05-01', '2024-05-05'], workdays: ['2024-04-28', '2024-05-11'] },
      { name: '端午节', off: ['2024-06-10', '2024-06-10'], workdays: [] },
      { name: '中秋节', off: ['2024-09-15', '2024-09-17'], workdays: ['2024-09-14'] },
      { name: '国庆节', off: ['2024-10-01', '2024-10-07'], workdays: ['2024-09-29', '2024-10-12'] },
    ],
  },
  2025: {
    notice: '国务院办公厅关于2025年部分节假日安排的通知',
    holidays: [
      { name: '元旦', off: ['2025-01-01', '2025-01-01'], workdays: [] },
      { name: '春节', off: ['2025-01-28', '2025-02-04'], workdays: ['2025-01-26', '2025-02-08'] },
      { name: '清明节', off: ['2025-04-04', '2025-04-06'], workdays: [] },
      { name: '劳动节', off: ['2025-05-01', '2025-05-05'], workdays: ['2025-04-27'] },
      { name: '端午节', off: ['2025-05-31', '2025-06-02'], workdays: [] },
      { name: '国庆节、中秋节', off: ['2025-10-01', '2025-10-08'], workdays: ['2025-09-28', '2025-10-11'] },
    ],
  },
  2026: {
    notice: '国务院办公厅关于2026年部分节假日安排的通知',
    holidays: [
      { name: '元旦', off: ['2026-01-01', '2026-01-03'], workdays: ['2026-01-04'] },
      { name: '春节', off: ['2026-02-15', '2026-02-23'], workdays: ['2026-02-14', '2026-02-28'] },
      { name: '清明节', off: ['2026-04-04', '2026-04-06'], workdays: [] },
      { name: '劳动节', off: ['2026-05-01', '2026-05-05'], workdays: ['2026-05-09'] },
      { name: '端午节', off: ['2026-06-19', '2026-06-21'], workdays: [] },
      { name: '中秋节', off: ['2026-09-25', '2026-09-27'], workdays: [] },
      { name: '国庆节', off: ['2026-10-01', '2026-10-07'], workdays: ['2026-09-20', '2026-10-10'] },
    ],
  },
};
