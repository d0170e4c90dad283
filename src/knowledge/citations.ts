/** The sources cards and settings cite (clinical-rules.md §8). Ids are used in settings and findings. */

export type CitationId =
  | 'seed'
  | 'design'
  | 'cirse2021'
  | 'easl-eortc-2012'
  | 'sir2019'
  | 'cair'
  | 'sir-qi'
  | 'albi'
  | 'meld'
  | 'child-pugh'
  | 'bclc2022'
  | 'aasld2023'
  | 'easl2018'
  | 'moh2011'
  | 'mcode';

export interface Citation {
  id: CitationId;
  /** Short label used in the "Source:" line and as link label. */
  label: string;
  /** Absolute URL; absent for the seed statement and design choices. */
  url?: string;
}

export const CITATIONS: Readonly<Record<CitationId, Citation>> = {
  seed: { id: 'seed', label: 'Seed consensus statement (primary liver cancer consensus)' },
  design: { id: 'design', label: 'hcc-cds design choice (to be signed off by a clinician)' },
  cirse2021: {
    id: 'cirse2021',
    label: 'CIRSE 2021 Standards of Practice on hepatic TACE (Lucatelli et al.)',
    url: 'https://springerlink.bibliotecabuap.elogim.com/doi/10.1007/S00270-021-02968-1',
  },
  'easl-eortc-2012': {
    id: 'easl-eortc-2012',
    label: 'TACE contraindications after EASL-EORTC 2012 (World J Hepatol 2015, Table 1)',
    url: 'http://wjgnet.com/1948-5182/full/v7/i16/2009-T1.htm',
  },
  sir2019: { id: 'sir2019', label: 'SIR 2019 periprocedural bleeding-risk consensus (Patel et al.)', url: 'https://www.guidelinecentral.com/guideline/18887/' },
  cair: { id: 'cair', label: 'Thrombosis Canada / CAIR procedure bleeding-risk table', url: 'https://transfusionontario.org/june-2020/' },
  'sir-qi': {
    id: 'sir-qi',
    label: 'SIR quality-improvement guidance on TACE exclusion criteria (summary)',
    url: 'https://www.seekhealthz.com/health/contraindications-for-tace-in-hcc/',
  },
  albi: { id: 'albi', label: 'ALBI grade (Johnson et al., J Clin Oncol 2015)', url: 'https://doi.org/10.1200/JCO.2014.57.9151' },
  meld: { id: 'meld', label: 'MELD (UNOS) input definitions', url: 'https://github.com/alexgoodell/open-med-calc/blob/main/docs/meld.md' },
  'child-pugh': {
    id: 'child-pugh',
    label: 'Child-Pugh score reference table',
    url: 'https://github.com/stanfordaimlab/llm-as-clinical-calculator/blob/main/llm_calc/data/build_database/reference_material/md/cps.md',
  },
  bclc2022: { id: 'bclc2022', label: 'BCLC 2022 update (Reig et al., J Hepatol 2022)', url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC8866082' },
  aasld2023: { id: 'aasld2023', label: 'AASLD 2023 HCC practice guidance (Singal et al.)', url: 'https://www.guidelinecentral.com/guideline/10743/' },
  easl2018: { id: 'easl2018', label: 'AASLD / EASL / JSH / APASL surveillance comparison', url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC7669568/table/T1' },
  moh2011: { id: 'moh2011', label: 'Chinese MoH primary liver cancer guideline 2011', url: 'http://cco.amegroups.com/article/view/1029/1240' },
  mcode: { id: 'mcode', label: 'HL7 mCODE cancer condition value sets', url: 'https://github.com/HL7/fhir-mCODE-ig/blob/master/input/fsh/VS_CancerCondition.fsh' },
};

export const CITATION_LIST: readonly Citation[] = Object.values(CITATIONS);
