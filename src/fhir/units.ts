/**
 * Units (clinical-rules.md §1.1, §4.4): read the UCUM code from valueQuantity.system + code (never the free-text
 * `unit`), convert to the concept's canonical unit
 * (UCUM via @lhncbc/ucum-lhc where it converts; molar masses, unit synonyms and the AFP IU factor from the lab
 * concept table and the site settings),
 * round to the concept's precision, then check plausibility. One conversion per (concept, unit) is worked
 * out on first sight and cached, so no UCUM parsing happens per value after warm-up.
 */
import ucum from '@lhncbc/ucum-lhc';
import type { DataSettings } from './data-settings.js';
import { unitText, withUnit } from '../record/display.js';
import type { LabConcept } from '../record/record.js';
import { SYSTEM } from './value-set-data.js';

export interface QuantityInput {
  value: number;
  system?: string;
  code?: string;
  unit?: string;
}

export type Converted =
  | { ok: true; value: number; unit?: string }
  | { ok: false; reason: 'unit' | 'implausible'; detail: string };

type Conversion = { ok: true; factor: number; unit?: string } | { ok: false; detail: string };

const NO_UNIT = '';

/** UCUM's grammar: printable ASCII, no spaces. Anything else never reaches the library. */
const UCUM_CHARACTERS = /^[\x21-\x7e]+$/;

/** Text from the EHR in quotes, with quotes and control characters escaped (a CR/LF stays on one line). */
const quoted = (text: string): string => JSON.stringify(text);

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const mute = (): void => undefined;

/**
 * @lhncbc/ucum-lhc console.logs, verbatim, unit strings it fails to parse (EHR free text, line breaks and all) outside
 * the structured log, and has no option to stop it. Its calls therefore run with the console muted: a scoped guard,
 * undone before any other code can run, since the calls are synchronous. What it would print is dropped; the failed
 * conversion reaches the cards as a DQ-UNIT finding.
 */
function withoutConsole<T>(call: () => T): T {
  const saved = CONSOLE_METHODS.map((name) => console[name]);
  for (const name of CONSOLE_METHODS) console[name] = mute;
  try {
    return call();
  } finally {
    CONSOLE_METHODS.forEach((name, index) => {
      console[name] = saved[index]!;
    });
  }
}

/** Round half away from zero to `decimals` places, immune to binary noise (2.675 -> 2.68, 51.3/17.104 -> 3.00). */
export function roundTo(value: number, decimals: number): number {
  // Most results already carry no more decimals than kept (platelets 250, bilirubin 1.2): nothing to round.
  const scale = 10 ** decimals;
  const scaled = value * scale;
  if (Number.isInteger(scaled) && scaled / scale === value) return value;
  const clean = Number(value.toPrecision(12));
  // Exponent notation ("1e-7", "1e+300") would turn the string trick below into NaN: tiny values round with
  // toFixed (no half-way cases at that scale), huge ones have no decimals to round.
  if (String(clean).includes('e')) return Math.abs(clean) < 1 ? Number(clean.toFixed(decimals)) : clean;
  const sign = clean < 0 ? -1 : 1;
  const shifted = Math.round(Number(`${Math.abs(clean)}e${decimals}`));
  return sign * Number(`${shifted}e-${decimals}`);
}

/** A number for the card: no trailing binary noise. */
export const formatNumber = (value: number): string => (Number.isSafeInteger(value) ? String(value) : String(Number(value.toPrecision(12))));

/** The unit as sent, for a message: `unit "µmol/L"`; an annotation-only code (`{copies}`) has no unit to show. */
function shownUnit(unit: string): string {
  if (unit === NO_UNIT) return 'no unit';
  // Not UCUM at all: shown exactly as sent, escaped, so that what the EHR sent can be found.
  if (!UCUM_CHARACTERS.test(unit)) return `unit ${quoted(unit)}`;
  const text = unitText(unit);
  return text ? `unit ${quoted(text)}` : 'a unit annotation without a unit';
}

export class UnitConverter {
  private readonly utils = ucum.UcumLhcUtils.getInstance();
  private readonly conversions = new Map<string, Conversion>();
  constructor(private readonly settings: DataSettings) {}

  /** A unit that is the canonical one times a factor (lab-concepts.ts `synonyms`; the AFP IU factor is a site setting). */
  private synonymFactor(concept: LabConcept, unit: string): number | undefined {
    const factor = this.settings.labs[concept].synonyms?.[unit];
    return factor === 'afpNgPerIu' ? this.settings.afpNgPerIu : factor;
  }

  /**
   * The UCUM code to use ('' when the quantity carries none), or a problem. The free-text `unit` is never read
   * (clinical-rules §4.4): without system + code the quantity has no unit, which only dimensionless results accept.
   */
  ucumCode(q: Omit<QuantityInput, 'value'>): { code: string } | { problem: string } {
    if (q.system !== undefined && q.system !== SYSTEM.ucum) {
      return { problem: `unit system "${q.system}" is not UCUM` };
    }
    if (q.code !== undefined && q.code.trim() !== '') return { code: q.code.trim() };
    if (q.system !== undefined) return { problem: 'UCUM unit without a code' };
    return { code: NO_UNIT };
  }

  convert(concept: LabConcept, q: QuantityInput): Converted {
    const setting = this.settings.labs[concept];
    const found = this.ucumCode(q);
    if ('problem' in found) return { ok: false, reason: 'unit', detail: found.problem };
    const conversion = this.conversionFor(concept, found.code);
    if (!conversion.ok) {
      const text = found.code === NO_UNIT ? q.unit?.trim() : undefined;
      return { ok: false, reason: 'unit', detail: text ? `${conversion.detail} (the free-text unit ${quoted(text)} is not read without a UCUM system and code)` : conversion.detail };
    }
    const value = roundTo(q.value * conversion.factor, setting.decimals);
    if (!Number.isFinite(value)) return { ok: false, reason: 'implausible', detail: `${formatNumber(q.value)} cannot be read as a number in ${unitText(conversion.unit) || 'this unit'}` };
    const limits = setting.plausible;
    if (limits && (value < limits[0] || value > limits[1])) {
      return { ok: false, reason: 'implausible', detail: `${withUnit(formatNumber(value), conversion.unit)} is outside the plausible range ${withUnit(`${limits[0]}-${limits[1]}`, conversion.unit)}` };
    }
    return { ok: true, value, ...(conversion.unit !== undefined ? { unit: conversion.unit } : {}) };
  }

  private conversionFor(concept: LabConcept, unit: string): Conversion {
    const cacheKey = `${concept}\u0000${unit}`;
    let conversion = this.conversions.get(cacheKey);
    if (!conversion) {
      conversion = this.workOut(concept, unit);
      if (this.conversions.size < this.settings.unitCacheSize) this.conversions.set(cacheKey, conversion);
    }
    return conversion;
  }

  private workOut(concept: LabConcept, unit: string): Conversion {
    const setting = this.settings.labs[concept];
    const shown = shownUnit(unit);
    if (setting.keepsUnit) return unit === NO_UNIT ? { ok: true, factor: 1 } : { ok: true, factor: 1, unit };
    const dimensionless = setting.unitless;
    if (dimensionless) {
      return dimensionless.includes(unit) ? { ok: true, factor: 1 } : { ok: false, detail: `${shown} is not accepted for ${concept} (expected no unit)` };
    }
    const canonical = setting.canonical;
    if (!canonical) return { ok: false, detail: `${concept} is not a quantity` };
    const needed = unitText(canonical);
    if (unit === NO_UNIT) return { ok: false, detail: `no unit; ${concept} needs ${needed}` };
    const explicit = Object.hasOwn(setting.synonyms ?? {}, unit) ? this.synonymFactor(concept, unit) : undefined;
    if (explicit !== undefined) return { ok: true, factor: explicit, unit: canonical };
    if (unit === canonical) return { ok: true, factor: 1, unit: canonical };
    // Annotations ({...}) are unity in UCUM: "mL/min" would silently become "mL/min/{1.73_m2}". Refuse them.
    if (unit.includes('{') || canonical.includes('{')) return { ok: false, detail: `${shown} cannot be converted to ${needed}` };
    if (!UCUM_CHARACTERS.test(unit)) return { ok: false, detail: `${shown} is not a UCUM code (UCUM codes are printable ASCII without spaces)` };
    const direct = this.factor(unit, canonical);
    if (direct !== undefined) return { ok: true, factor: direct, unit: canonical };
    if (setting.umolPerCanonical !== undefined) {
      const toUmol = this.factor(unit, 'umol/L');
      if (toUmol !== undefined) return { ok: true, factor: toUmol / setting.umolPerCanonical, unit: canonical };
    }
    if (concept === 'afp' && this.factor(unit, 'umol/L') !== undefined) {
      return { ok: false, detail: `AFP in moles (${unitText(unit)}) has no safe conversion to ng/mL` };
    }
    return { ok: false, detail: `${shown} cannot be converted to ${needed}` };
  }

  private factor(from: string, to: string): number | undefined {
    try {
      const result = withoutConsole(() => this.utils.convertUnitTo(from, 1, to));
      if (result.status !== 'succeeded' || typeof result.toVal !== 'number' || !Number.isFinite(result.toVal) || result.toVal <= 0) return undefined;
      return Number(result.toVal.toPrecision(12));
    } catch {
      return undefined;
    }
  }
}
