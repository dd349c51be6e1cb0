/**
 * Times, relative times and durations in an element's language, through the browser's `Intl`: no locale data ships
 * with the elements. Imported by the parts that load on demand (the call history, the call room), so none of it is
 * in the script-tag bundle.
 *
 * `lang` is a language tag as `lang` attributes hold it (`de`, `pt-BR`); empty means the browser's language, and so
 * does a tag `Intl` rejects (`en_US`), rather than an element that throws while rendering.
 */

/** How a duration is written out: `long` "1 hour, 2 minutes", `short` "1 hr, 2 min", `narrow` "1h 2m". */
export type DurationStyle = 'long' | 'short' | 'narrow';

/** The part of `Intl.DurationFormat` used here; TypeScript's library does not declare it yet. */
interface DurationFormat {
  format(duration: { hours: number; minutes: number; seconds: number }): string;
}
type DurationFormatConstructor = new (locale: string | undefined, options: { style: DurationStyle }) => DurationFormat;

/** Formatters are costly to make and a history renders many times: they are kept, this many at most. */
const MAX_FORMATTERS = 64;
const formatters = new Map<string, unknown>();

function formatter<T>(kind: string, lang: string, make: (locale: string | undefined) => T): T {
  const key = `${kind} ${lang}`;
  let found = formatters.get(key) as T | undefined;
  if (!found) {
    try {
      found = make(lang || undefined);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      found = make(undefined);
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, found);
  }
  return found;
}

/** A moment as a date and time, "Mar 3, 2026, 4:05 PM" in English. */
export function formatTime(lang: string, time: number | Date): string {
  return formatter('time', lang, (locale) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })).format(time);
}

/** Each unit of relative time, and how many of it make the next. */
const RELATIVE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** How long ago (or how far ahead) `time` is from `now`, in its largest whole unit: "3 minutes ago", "yesterday". */
export function formatRelativeTime(lang: string, time: number, now = Date.now()): string {
  const relative = formatter('relative', lang, (locale) => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  let value = Math.round((time - now) / 1000);
  for (const [unit, size] of RELATIVE_STEPS) {
    // Seconds would change on every glance; anything under a minute is "now".
    if (Math.abs(value) < size) return unit === 'second' ? relative.format(0, 'second') : relative.format(Math.round(value), unit);
    value /= size;
  }
  return '';
}

/** Whole hours, minutes and seconds of `ms`, rounded down (a running clock) or to the nearest second. */
function split(ms: number, round: (value: number) => number): { hours: number; minutes: number; seconds: number } {
  const total = Math.max(0, round(ms / 1000));
  return { hours: Math.floor(total / 3600), minutes: Math.floor((total % 3600) / 60), seconds: total % 60 };
}

/**
 * A running clock, m:ss or h:mm:ss past an hour, in the language's digits (٠:٤٢ in `ar-EG`). Built on
 * `NumberFormat` rather than `DurationFormat`'s digital style: that one pads the minutes to two digits even when the
 * hours are left out ("05:03"), and call screens show "5:03".
 */
export function formatClock(lang: string, ms: number): string {
  const { hours, minutes, seconds } = split(ms, Math.floor);
  const first = formatter('digits', lang, (locale) => new Intl.NumberFormat(locale, { useGrouping: false }));
  const padded = formatter('two digits', lang, (locale) => new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false }));
  return hours > 0 ? `${first.format(hours)}:${padded.format(minutes)}:${padded.format(seconds)}` : `${first.format(minutes)}:${padded.format(seconds)}`;
}

const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatConstructor }).DurationFormat;

/**
 * A duration in words, to the nearest second: "3 min, 21 sec" (`short`), leaving out units that are zero; "0 sec"
 * for nothing. Through `Intl.DurationFormat` where the browser has it, else `NumberFormat` units joined by a
 * `ListFormat` list of units, which reads the same in the languages shipped. `withDurationFormat` exists for tests.
 */
export function formatDuration(lang: string, ms: number, style: DurationStyle = 'short', withDurationFormat = DurationFormat !== undefined): string {
  const duration = split(ms, Math.round);
  const empty = duration.hours + duration.minutes + duration.seconds === 0;
  if (withDurationFormat && !empty) return formatter(`duration ${style}`, lang, (locale) => new DurationFormat!(locale, { style })).format(duration);
  const words = (['hour', 'minute', 'second'] as const)
    .filter((unit) => duration[`${unit}s`] > 0 || (unit === 'second' && empty))
    .map((unit) =>
      formatter(`${unit} ${style}`, lang, (locale) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: style })).format(duration[`${unit}s`]),
    );
  return formatter(`units ${style}`, lang, (locale) => new Intl.ListFormat(locale, { type: 'unit', style })).format(words);
}
