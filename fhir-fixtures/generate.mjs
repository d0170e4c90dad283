#!/usr/bin/env node
/**
 * Writes the fixture Bundles (one FHIR R4 transaction per clinical scenario) and manifest.json.
 * Dates are relative ("@today-30d"), resolved at load time by dev/fixtures/relative-dates.ts.
 * The expected cards in the manifest are written by hand from clinical-rules.md §3 (not computed by the engine).
 * Run: node fhir-fixtures/generate.mjs
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = dirname(fileURLToPath(import.meta.url));
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const CPT = 'http://www.ama-assn.org/go/cpt';
const UCUM = 'http://unitsofmeasure.org';
const LOCAL = 'urn:hcc-cds:local';
const d = (days, time) => `@today-${days}d${time ? `T${time}` : ''}`;

const LABS = {
  bilirubin: [LOINC, '1975-2', 'Bilirubin.total [Mass/volume] in Serum or Plasma', 'mg/dL'],
  bilirubinUmol: [LOINC, '14631-6', 'Bilirubin.total [Moles/volume] in Serum or Plasma', 'umol/L'],
  albumin: [LOINC, '1751-7', 'Albumin [Mass/volume] in Serum or Plasma', 'g/dL'],
  inr: [LOINC, '6301-6', 'INR in Platelet poor plasma by Coagulation assay', '{INR}'],
  platelets: [LOINC, '777-3', 'Platelets [#/volume] in Blood by Automated count', '10*9/L'],
  wbc: [LOINC, '6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*9/L'],
  creatinine: [LOINC, '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL'],
  creatinineUmol: [LOINC, '14682-9', 'Creatinine [Moles/volume] in Serum or Plasma', 'umol/L'],
  egfr: [LOINC, '98979-8', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)', 'mL/min/{1.73_m2}'],
  afp: [LOINC, '1834-1', 'Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma', 'ng/mL'],
  sodium: [LOINC, '2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L'],
  hbvDna: [LOINC, '42595-9', 'Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection', '[IU]/mL'],
  hcvRna: [LOINC, '11011-4', 'Hepatitis C virus RNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection', '[IU]/mL'],
  tumorBurden: [LOCAL, 'tumor-burden-pct', 'Percentage of liver volume replaced by tumour', '%'],
};

const CONDITIONS = {
  hcc: [ICD, 'C22.0', 'Liver cell carcinoma'],
  hccSnomed: [SNOMED, '109841003', 'Liver cell carcinoma (disorder)'],
  liverMets: [ICD, 'C78.7', 'Secondary malignant neoplasm of liver and intrahepatic bile duct'],
  lungMets: [ICD, 'C78.01', 'Secondary malignant neoplasm of right lung'],
  cirrhosis: [ICD, 'K74.60', 'Unspecified cirrhosis of liver'],
  hbv: [ICD, 'B18.1', 'Chronic viral hepatitis B without delta-agent'],
  hcv: [ICD, 'B18.2', 'Chronic viral hepatitis C'],
  t2dm: [ICD, 'E11.9', 'Type 2 diabetes mellitus without complications'],
  ascites: [SNOMED, '389026000', 'Ascites (disorder)'],
  he: [SNOMED, '13920009', 'Hepatic encephalopathy (disorder)'],
  pvt: [SNOMED, '17920008', 'Portal vein thrombosis (disorder)'],
  pvtIcd: [ICD, 'I81', 'Portal vein thrombosis'],
  sepsis: [ICD, 'A41.9', 'Sepsis, unspecified organism'],
  sepsisSnomed: [SNOMED, '91302008', 'Sepsis (disorder)'],
  abscess: [ICD, 'K75.0', 'Abscess of liver'],
  cachexia: [ICD, 'R64', 'Cachexia'],
  avf: [ICD, 'I77.0', 'Arteriovenous fistula, acquired'],
  avfSnomed: [SNOMED, '439470001', 'Arteriovenous fistula (disorder)'],
  pregnancy: [ICD, 'Z33.1', 'Pregnant state, incidental'],
  hypertension: [ICD, 'I10', 'Essential (primary) hypertension'],
};
const SEVERITY = { mild: ['255604002', 'Mild'], moderate: ['6736007', 'Moderate'], severe: ['24484000', 'Severe'] };

function fixture(name) {
  const pid = `hcc-${name}`;
  const entries = [];
  let n = 0;
  const subject = { reference: `Patient/${pid}` };
  const add = (resource) => {
    entries.push({ fullUrl: `urn:hcc-cds:fixture:${resource.resourceType}/${resource.id}`, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
    return api;
  };
  const id = (prefix) => `${pid}-${prefix}${++n}`;
  const api = {
    pid,
    patient(gender, years, extra = {}) {
      return add({ resourceType: 'Patient', id: pid, active: true, name: [{ family: 'Fixture', given: [name] }], gender, birthDate: `@today-${years}y`, ...extra });
    },
    lab(kind, value, days, extra = {}) {
      const [system, code, display, unit] = LABS[kind];
      const { unitCode = unit, time, status = 'final' } = extra;
      return add({
        resourceType: 'Observation', id: extra.id ?? id('obs'), status,
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: system === LOCAL ? 'imaging' : 'laboratory' }] }],
        code: { coding: [{ system, code, display }] }, subject, effectiveDateTime: d(days, time),
        valueQuantity: { value, unit: unitCode, system: UCUM, code: unitCode },
      });
    },
    ecog(value, days) {
      return add({ resourceType: 'Observation', id: id('ecog'), status: 'final', code: { coding: [{ system: LOINC, code: '89247-1', display: 'ECOG Performance Status score' }] }, subject, effectiveDateTime: d(days), valueInteger: value });
    },
    local(code, display, valueCode, days) {
      return add({ resourceType: 'Observation', id: id('loc'), status: 'final', code: { coding: [{ system: LOCAL, code, display }] }, subject, effectiveDateTime: d(days), valueCodeableConcept: { coding: [{ system: LOCAL, code: valueCode }] } });
    },
    westHaven(grade, days) {
      return add({ resourceType: 'Observation', id: id('wh'), status: 'final', code: { coding: [{ system: LOCAL, code: 'westhaven-grade', display: 'Hepatic encephalopathy grade' }] }, subject, effectiveDateTime: d(days), valueInteger: grade });
    },
    pregnancyStatus(answer, days) {
      const display = answer === 'LA15173-0' ? 'Pregnant' : 'Not pregnant';
      return add({ resourceType: 'Observation', id: id('preg'), status: 'final', code: { coding: [{ system: LOINC, code: '82810-3', display: 'Pregnancy status' }] }, subject, effectiveDateTime: d(days), valueCodeableConcept: { coding: [{ system: LOINC, code: answer, display }] } });
    },
    condition(kind, extra = {}) {
      const [system, code, display] = CONDITIONS[kind];
      const { clinical = 'active', verification = 'confirmed', severity, bodySite, onsetDays = 400 } = extra;
      const resource = {
        resourceType: 'Condition', id: id('cond'),
        // FHIR R4 con-5: no clinicalStatus on an entered-in-error Condition.
        ...(verification === 'entered-in-error' ? {} : { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: clinical }] } }),
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: verification }] },
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
        code: { coding: [{ system, code, display }] }, subject, onsetDateTime: d(onsetDays),
      };
      if (severity) resource.severity = { coding: [{ system: SNOMED, code: SEVERITY[severity][0], display: SEVERITY[severity][1] }] };
      if (bodySite) resource.bodySite = [{ coding: [bodySite] }];
      return add(resource);
    },
    procedure(kind, days) {
      const codes = {
        tace: [CPT, '37243', 'Vascular embolization or occlusion (TACE)'],
        hepatectomy: [CPT, '47120', 'Hepatectomy, resection of liver; partial lobectomy'],
        ct: [CPT, '74170', 'CT abdomen without contrast, followed by contrast'],
        us: [CPT, '76705', 'Ultrasound, abdominal, limited'],
      }[kind];
      return add({ resourceType: 'Procedure', id: id('proc'), status: 'completed', code: { coding: [{ system: codes[0], code: codes[1], display: codes[2] }] }, subject, performedDateTime: d(days) });
    },
    imaging(modality, days, status = 'final') {
      const code = { us: ['24558-9', 'US Abdomen'], ct: ['79103-8', 'CT Abdomen W contrast IV'], mri: ['24557-1', 'MR Abdomen WO and W contrast IV'] }[modality];
      return add({
        resourceType: 'DiagnosticReport', id: id('img'), status,
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
        code: { coding: [{ system: LOINC, code: code[0], display: code[1] }] }, subject, effectiveDateTime: d(days), issued: `${d(days)}T12:00:00Z`,
      });
    },
    /** Pre-TACE labs all fresh and normal, ECOG 0. */
    normalLabs(days = 3) {
      return api.lab('bilirubin', 0.8, days).lab('albumin', 4.1, days).lab('inr', 1.1, days).lab('platelets', 190, days).lab('wbc', 6.2, days).lab('creatinine', 0.9, days).ecog(0, days);
    },
    bundle() {
      return { resourceType: 'Bundle', id: `fixture-${name}`, type: 'transaction', entry: entries };
    },
  };
  return api;
}

const none = { alerts: [], info: [] };
const a = (ruleId, indicator) => ({ ruleId, indicator });
/** Order hooks see the same TACE order on select and sign. */
const orders = (alerts, info = []) => ({ 'order-select': { alerts, info }, 'order-sign': { alerts, info } });
/** A patient with no labs and no liver-cancer diagnosis under a TACE order. */
const noDataOrders = orders([a('TACE-CP-C-POSSIBLE', 'warning'), a('TACE-MISSING-LABS', 'warning'), a('TACE-ECOG-MISSING', 'warning')], ['TACE-NO-LIVER-CANCER-DX']);

const scenarios = [];
const scenario = (name, description, build, expected) => scenarios.push({ name, description, build, expected });

scenario('tace-cpc', 'Decompensated HCC: bilirubin 3.4 mg/dL, albumin 2.5 g/dL, INR 2.4, moderate ascites: Child-Pugh C (13)', (f) =>
  f.patient('male', 64).condition('hcc').condition('cirrhosis').condition('ascites', { severity: 'moderate' })
    .lab('bilirubin', 3.4, 3).lab('albumin', 2.5, 3).lab('inr', 2.4, 3).lab('platelets', 150, 3).lab('wbc', 5.1, 3).lab('creatinine', 0.9, 3).ecog(1, 5),
{ ...orders([a('TACE-CP-C', 'critical'), a('TACE-BILI-HIGH', 'critical'), a('TACE-COAG', 'warning')], ['TACE-ECOG-1-2']), 'patient-view': none });

scenario('tace-boundaries', 'Every TACE threshold exactly at its non-firing edge: bilirubin 2.0, INR 1.79, platelets 60, WBC 3.0, creatinine 1.99, eGFR 30, tumour 49%, labs 14 d old, ECOG 0 at 30 d, last TACE 35 d ago with CT after, PVT graded Vp3, pregnancy status 281 d old, AV fistula of the arm', (f) =>
  f.patient('female', 47).condition('hcc').condition('pvt').local('pvtt-vp', 'Portal vein tumour thrombus grade', 'Vp3', 10)
    .condition('avfSnomed', { bodySite: { system: SNOMED, code: '40983000', display: 'Upper arm structure' } })
    .lab('bilirubin', 2.0, 14).lab('albumin', 3.6, 14).lab('inr', 1.79, 14).lab('platelets', 60, 14).lab('wbc', 3.0, 14).lab('creatinine', 1.99, 14).lab('egfr', 30, 14)
    .ecog(0, 30).lab('tumorBurden', 49, 20).procedure('tace', 35).imaging('ct', 10).pregnancyStatus('LA15173-0', 281),
{ ...orders([], ['TACE-CP-B7']), 'patient-view': none });

scenario('tace-stale', 'Stale by one day: INR 15 days old, ECOG 31 days old; other labs exactly 14 days old', (f) =>
  f.patient('male', 58).condition('hcc').lab('bilirubin', 1.0, 14).lab('albumin', 4.0, 14).lab('inr', 2.5, 15).lab('platelets', 120, 14).lab('wbc', 4.5, 14)
    .lab('creatinine', 1.0, 14).ecog(3, 31),
{ ...orders([a('TACE-MISSING-LABS', 'warning'), a('TACE-ECOG-MISSING', 'warning')], ['TACE-CP-B7']), 'patient-view': none });

scenario('tace-dq-traps', 'Data-quality traps: bilirubin 51.3 umol/L (= 3.00 mg/dL, not > 3.0), bilirubin in % (unconvertible unit), entered-in-error bilirubin 9.0, albumin "35 g/dL" (implausible), creatinine in umol/L, same-timestamp platelets 55 and 75, refuted sepsis, resolved liver abscess, entered-in-error cachexia', (f) =>
  f.patient('male', 66).condition('hccSnomed')
    .lab('bilirubinUmol', 51.3, 4).lab('bilirubin', 1.2, 2, { unitCode: '%' }).lab('bilirubin', 9.0, 1, { status: 'entered-in-error' })
    .lab('albumin', 3.8, 5).lab('albumin', 35, 2).lab('inr', 1.2, 4)
    .lab('platelets', 75, 2, { time: '08:00:00Z' }).lab('platelets', 55, 2, { time: '08:00:00Z' }).lab('wbc', 5.0, 4).lab('creatinineUmol', 97, 4).ecog(0, 6)
    .condition('sepsis', { verification: 'refuted' }).condition('abscess', { clinical: 'resolved' }).condition('cachexia', { verification: 'entered-in-error' }),
{ ...orders([a('TACE-BILI-ELEVATED', 'warning'), a('TACE-PLT-LOW', 'warning')], ['DQ-UNIT']), 'patient-view': none });

scenario('tace-contra-conditions', 'Recorded contraindications: sepsis, unconfirmed cachexia, lung metastasis, AV fistula (no site), pregnancy status "pregnant"', (f) =>
  f.patient('female', 36).condition('hcc').normalLabs().condition('sepsisSnomed').condition('cachexia', { verification: 'unconfirmed' }).condition('lungMets')
    .condition('avf').pregnancyStatus('LA15173-0', 20),
{ ...orders([a('TACE-INFECTION', 'critical'), a('TACE-CACHEXIA-MOF', 'critical'), a('TACE-METS', 'warning'), a('TACE-AVF', 'warning'), a('TACE-PREGNANCY', 'warning')]), 'patient-view': none });

scenario('tace-portal-trunk', 'Main-trunk tumour thrombus Vp4 with few or no collaterals; tumour replaces 72% of the liver with Child-Pugh A', (f) =>
  f.patient('male', 71).condition('hcc').condition('pvtIcd').normalLabs().local('pvtt-vp', 'Portal vein tumour thrombus grade', 'Vp4', 10)
    .local('portal-collaterals', 'Hepatopetal collateral circulation', 'few-or-none', 10).lab('tumorBurden', 72, 10),
{ ...orders([a('TACE-PV-TRUNK', 'critical'), a('TACE-TUMOR-BURDEN', 'warning')]), 'patient-view': none });

scenario('tace-pvt-ungraded', 'Portal vein thrombosis without a Vp grade; Child-Pugh B8 (bilirubin 2.5, albumin 3.0, West Haven 2); tumour 55%; ECOG 2', (f) =>
  f.patient('male', 69).condition('hcc').condition('pvt').lab('bilirubin', 2.5, 2).lab('albumin', 3.0, 2).lab('inr', 1.5, 2).lab('platelets', 110, 2)
    .lab('wbc', 4.0, 2).lab('creatinine', 1.1, 2).ecog(2, 10).westHaven(2, 5).lab('tumorBurden', 55, 15),
{ ...orders([a('TACE-PVT-UNGRADED', 'warning'), a('TACE-CP-B8-9', 'warning'), a('TACE-BILI-ELEVATED', 'warning')], ['TACE-TUMOR-BURDEN', 'TACE-ECOG-1-2']), 'patient-view': none });

scenario('tace-labs-limits', 'Every TACE lab exactly at or one step past its firing edge: creatinine 2.0, INR 1.8, platelets 59, WBC 2.9, bilirubin 2.01, ECOG 3', (f) =>
  f.patient('male', 61).condition('hcc').lab('bilirubin', 2.01, 1).lab('albumin', 3.6, 1).lab('inr', 1.8, 1).lab('platelets', 59, 1).lab('wbc', 2.9, 1)
    .lab('creatinine', 2.0, 1).lab('egfr', 34, 1).ecog(3, 2),
{ ...orders([a('TACE-RENAL', 'critical'), a('TACE-ECOG-POOR', 'critical'), a('TACE-COAG', 'warning'), a('TACE-PLT-LOW', 'warning'), a('TACE-WBC-LOW', 'warning'), a('TACE-BILI-ELEVATED', 'warning')], ['TACE-CP-B7']), 'patient-view': none });

scenario('tace-repeat', 'Repeat TACE 20 days after the last one, with no CT/MRI since', (f) =>
  f.patient('male', 63).condition('hcc').normalLabs().procedure('tace', 20).imaging('ct', 40),
{ ...orders([a('TACE-INTERVAL', 'warning'), a('TACE-REIMAGE', 'warning')]), 'patient-view': none });

scenario('followup-due', 'TACE 30 days ago, no CT/MRI since: response imaging due (info on patient-view)', (f) =>
  f.patient('female', 59).condition('hcc').normalLabs().procedure('tace', 30),
{ ...orders([a('TACE-INTERVAL', 'warning'), a('TACE-REIMAGE', 'warning')]), 'patient-view': { alerts: [], info: ['FU-POST-TACE-IMAGING'] } });

scenario('followup-overdue', 'TACE 50 days ago, only an ultrasound since: response CT/MRI overdue', (f) =>
  f.patient('male', 67).condition('hcc').normalLabs().procedure('tace', 50).imaging('us', 10),
{ ...orders([a('TACE-REIMAGE', 'warning')]), 'patient-view': { alerts: [a('FU-POST-TACE-IMAGING', 'warning')], info: [] } });

scenario('tace-no-dx', 'TACE ordered for liver metastasis (C78.7) without primary liver cancer', (f) =>
  f.patient('male', 60).condition('liverMets').normalLabs(),
{ ...orders([], ['TACE-NO-LIVER-CANCER-DX']), 'patient-view': none });

scenario('tace-no-data', 'HCC with no labs, no ECOG: Child-Pugh C cannot be excluded, all pre-TACE labs missing', (f) =>
  f.patient('female', 72).condition('hcc'),
{ ...orders([a('TACE-CP-C-POSSIBLE', 'warning'), a('TACE-MISSING-LABS', 'warning'), a('TACE-ECOG-MISSING', 'warning')]), 'patient-view': none });

scenario('surv-overdue', 'Surveillance patient: man of 55 with chronic hepatitis B and type 2 diabetes; last ultrasound 200 days ago, AFP 100 days ago', (f) =>
  f.patient('male', 55).condition('hbv').condition('t2dm').imaging('us', 200).lab('afp', 5.2, 100),
{ ...noDataOrders, 'patient-view': { alerts: [a('SURV-OVERDUE', 'warning')], info: [] } });

scenario('surv-current', 'Man of exactly 40 with cirrhosis; ultrasound and AFP 19.9 ng/mL both exactly 183 days old: current, AFP below 20', (f) =>
  f.patient('male', 40).condition('cirrhosis').imaging('us', 183).lab('afp', 19.9, 183),
{ ...noDataOrders, 'patient-view': none });

scenario('surv-young', 'Man of 39 with chronic hepatitis C and no cirrhosis: below the surveillance age (40)', (f) =>
  f.patient('male', 39).condition('hcv'),
{ ...noDataOrders, 'patient-view': none });

scenario('afp-high', 'Cirrhosis with surveillance current but AFP 512 ng/mL without known liver cancer', (f) =>
  f.patient('male', 62).condition('cirrhosis').imaging('us', 30).lab('afp', 512, 10),
{ ...noDataOrders, 'patient-view': { alerts: [a('AFP-HIGH', 'warning')], info: [] } });

scenario('afp-elevated', 'Woman of 55 with chronic hepatitis B: AFP exactly 20 ng/mL, ultrasound current', (f) =>
  f.patient('female', 55).condition('hbv').imaging('us', 20).lab('afp', 20, 10),
{ ...noDataOrders, 'patient-view': { alerts: [a('AFP-ELEVATED', 'warning')], info: [] } });

scenario('afp-pregnant', 'Pregnant woman of 30 with AFP 450 ng/mL: information, not warning', (f) =>
  f.patient('female', 30).condition('pregnancy').lab('afp', 450, 10),
{ ...orders([a('TACE-CP-C-POSSIBLE', 'warning'), a('TACE-MISSING-LABS', 'warning'), a('TACE-ECOG-MISSING', 'warning'), a('TACE-PREGNANCY', 'warning')], ['TACE-NO-LIVER-CANCER-DX']), 'patient-view': { alerts: [], info: ['AFP-HIGH'] } });

scenario('resection-afp', 'Hepatectomy 90 days ago with pre-operative AFP 250 ng/mL, AFP not rechecked; chronic hepatitis B without HBV DNA since', (f) =>
  f.patient('male', 58).condition('hcc').condition('hbv').normalLabs().procedure('hepatectomy', 90).lab('afp', 250, 100).lab('hbvDna', 2000, 120).imaging('ct', 30),
{ ...orders([]), 'patient-view': { alerts: [a('FU-POST-RESECTION-AFP', 'warning')], info: ['FU-POST-RESECTION-VIRAL'] } });

scenario('resection-normalised', 'Hepatectomy 100 days ago, pre-operative AFP 250, AFP 12 ng/mL since; chronic hepatitis C with HCV RNA since', (f) =>
  f.patient('female', 61).condition('hcc').condition('hcv').normalLabs().procedure('hepatectomy', 100).lab('afp', 250, 110).lab('afp', 12, 20).lab('hcvRna', 15, 10),
{ ...orders([]), 'patient-view': none });

function realistic(f) {
  f.patient('male', 67, { name: [{ family: 'Realistic', given: ['Tace'] }] })
    .condition('hcc', { onsetDays: 300 }).condition('cirrhosis', { onsetDays: 2000 }).condition('hcv', { onsetDays: 3000 })
    .condition('t2dm', { onsetDays: 2500 }).condition('ascites', { severity: 'mild', onsetDays: 90 }).condition('hypertension', { onsetDays: 4000 })
    .procedure('us', 200).procedure('tace', 120).procedure('ct', 90);
  const series = [
    [60, { bilirubin: 1.4, albumin: 3.5, inr: 1.3, platelets: 110, wbc: 4.8, creatinine: 0.9, egfr: 85, afp: 48, sodium: 137 }],
    [30, { bilirubin: 1.5, albumin: 3.4, inr: 1.35, platelets: 101, wbc: 4.5, creatinine: 1.0, egfr: 80, afp: 40, sodium: 136 }],
    [4, { bilirubin: 1.6, albumin: 3.3, inr: 1.4, platelets: 95, wbc: 4.2, creatinine: 1.0, egfr: 78, afp: 35, sodium: 135 }],
  ];
  for (const [days, values] of series) for (const [kind, value] of Object.entries(values)) f.lab(kind, value, days, { time: '07:45:00Z' });
  return f.ecog(1, 7).lab('tumorBurden', 40, 20).westHaven(0, 7);
}
scenario('tace-realistic', 'Realistic TACE candidate: HCC on HCV cirrhosis, mild ascites, 3 lab panels (30 Observations), prior TACE with response CT: Child-Pugh B7, ECOG 1', realistic,
  { ...orders([], ['TACE-CP-B7', 'TACE-ECOG-1-2']), 'patient-view': none });

const manifest = { description: 'hcc-cds FHIR fixtures: one transaction Bundle per scenario; dates relative to today ("@today-30d"). Expected cards per hook: warning+critical exactly (alerts), info cards that must be present (info).', fixtures: [] };
for (const s of scenarios) {
  const f = fixture(s.name);
  s.build(f);
  const file = `${s.name}.json`;
  writeFileSync(join(DIR, file), `${JSON.stringify(f.bundle(), null, 2)}\n`);
  manifest.fixtures.push({ name: s.name, file, patientId: f.pid, description: s.description, expected: s.expected });
}
writeFileSync(join(DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${scenarios.length} fixtures`);
