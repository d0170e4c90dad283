/** The code lists hooks/*.json spelled out by hand before they named value sets (copied from them, unchanged). */
export const HAND_WRITTEN_OBSERVATION_CODES = [
  'http://loinc.org|1834-1,http://loinc.org|19176-7,http://loinc.org|19177-5,http://loinc.org|83073-7',
  'http://loinc.org|83072-9,http://loinc.org|53962-7,http://loinc.org|53961-9,http://loinc.org|1975-2',
  'http://loinc.org|14631-6,http://loinc.org|1751-7,http://loinc.org|6301-6,http://loinc.org|34714-6',
  'http://loinc.org|46418-0,http://loinc.org|777-3,http://loinc.org|26515-7,http://loinc.org|6690-2',
  'http://loinc.org|26464-8,http://loinc.org|2160-0,http://loinc.org|14682-9,http://loinc.org|38483-4',
  'http://loinc.org|98979-8,http://loinc.org|62238-1,http://loinc.org|69405-9,http://loinc.org|77147-7',
  'http://loinc.org|48642-3,http://loinc.org|48643-1,http://loinc.org|50044-7,http://loinc.org|70969-1',
  'http://loinc.org|88293-6,http://loinc.org|88294-4,http://loinc.org|50210-4,http://loinc.org|94677-2',
  'http://loinc.org|98980-6,http://loinc.org|2951-2,http://loinc.org|89247-1,http://loinc.org|82810-3',
  'http://loinc.org|2106-3,http://loinc.org|2118-8,http://loinc.org|21198-7,http://loinc.org|42595-9',
  'http://loinc.org|29615-2,http://loinc.org|11011-4,http://loinc.org|10676-5',
  'urn:hcc-cds:local|tumor-burden-pct,urn:hcc-cds:local|pvtt-vp,urn:hcc-cds:local|portal-collaterals',
  'urn:hcc-cds:local|westhaven-grade',
].join(',');

export const HAND_WRITTEN_IMAGING_CODES = [
  'http://loinc.org|24558-9,http://loinc.org|28614-6,http://loinc.org|79103-8,http://loinc.org|36267-3',
  'http://loinc.org|41806-1,http://loinc.org|24815-3,http://loinc.org|30612-6,http://loinc.org|36813-4',
  'http://loinc.org|42274-1,http://loinc.org|24557-1,http://loinc.org|36134-5,http://loinc.org|24556-3',
  'http://loinc.org|30670-4,http://loinc.org|36231-9,http://loinc.org|36046-1',
  'http://www.ama-assn.org/go/cpt|76700,http://www.ama-assn.org/go/cpt|76705',
  'http://www.ama-assn.org/go/cpt|74160,http://www.ama-assn.org/go/cpt|74170',
  'http://www.ama-assn.org/go/cpt|74177,http://www.ama-assn.org/go/cpt|74178',
  'http://www.ama-assn.org/go/cpt|74181,http://www.ama-assn.org/go/cpt|74182',
  'http://www.ama-assn.org/go/cpt|74183,http://snomed.info/sct|45036003',
  'http://snomed.info/sct|169070004,http://snomed.info/sct|241549007,http://snomed.info/sct|241622002',
].join(',');
