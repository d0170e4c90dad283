/** The part of @lhncbc/ucum-lhc 7.x (CommonJS, untyped) that units.ts uses. */
declare module '@lhncbc/ucum-lhc' {
  interface ConvertResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }
  interface ValidateResult {
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    msg: string[];
  }
  interface UcumLhcUtils {
    convertUnitTo(fromUnit: string, fromVal: number, toUnit: string, options?: { molecularWeight?: number }): ConvertResult;
    validateUnitString(unit: string, suggest?: boolean): ValidateResult;
  }
  const ucum: { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
  export default ucum;
}
