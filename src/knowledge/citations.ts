/**
 * The sources cards and settings cite (clinical-rules.md §8). Ids are used in settings and findings.
 * Links are DOIs, publishers, PubMed Central or guideline and standards bodies, https only; a source whose DOI or
 * publisher page is not in clinical-rules.md is cited by name without a link rather than through a copy or summary site.
 */

export type CitationId =
  | 'chinese-consensus'
  | 'local-default'
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
  | 'mcode'
  | 'afp-who-standard';

export interface Citation {
  id: CitationId;
  /** Short label used in the "Source:" line and as link label. */
  label: string;
  /** Absolute https URL; absent where no trustworthy link is known. */
  url?: string;
}

/** How the card text names the Chinese expert consensus the rules start from (its contraindications CI 1-8). */
export const CONSENSUS = 'Chinese consensus';

export const CITATIONS: Readonly<Record<CitationId, Citation>> = {
  'chinese-consensus': { id: 'chinese-consensus', label: 'Chinese expert consensus on primary liver cancer' },
  'local-default': { id: 'local-default', label: 'Local service default (not from a guideline)' },
  cirse2021: {
    id: 'cirse2021',
    label: 'CIRSE 2021 Standards of Practice on hepatic TACE (Lucatelli et al., CVIR 2021)',
    url: 'https://doi.org/10.1007/s00270-021-02968-1',
  },
  'easl-eortc-2012': {
    id: 'easl-eortc-2012',
    label: 'TACE contraindications after EASL-EORTC 2012 (World J Hepatol 2015, Table 1)',
    url: 'https://www.wjgnet.com/1948-5182/full/v7/i16/2009-T1.htm',
  },
  sir2019: { id: 'sir2019', label: 'SIR 2019 periprocedural bleeding-risk consensus (Patel et al., JVIR 2019;30:1168-1184)' },
  cair: { id: 'cair', label: 'Thrombosis Canada / CAIR procedure bleeding-risk table', url: 'https://transfusionontario.org/june-2020/' },
  'sir-qi': { id: 'sir-qi', label: 'SIR quality-improvement guidelines for chemoembolization of hepatic malignancy (Gaba et al.)' },
  albi: { id: 'albi', label: 'ALBI grade (Johnson et al., J Clin Oncol 2015)', url: 'https://doi.org/10.1200/JCO.2014.57.9151' },
  meld: { id: 'meld', label: 'MELD score (UNOS formula)' },
  'child-pugh': { id: 'child-pugh', label: 'Child-Pugh score (Pugh et al., 1973)' },
  bclc2022: { id: 'bclc2022', label: 'BCLC 2022 update (Reig et al., J Hepatol 2022)', url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC8866082' },
  aasld2023: { id: 'aasld2023', label: 'AASLD 2023 HCC practice guidance (Singal et al., Hepatology 2023)' },
  easl2018: { id: 'easl2018', label: 'AASLD / EASL / JSH / APASL surveillance comparison', url: 'https://pmc.ncbi.nlm.nih.gov/articles/PMC7669568/table/T1' },
  moh2011: { id: 'moh2011', label: 'Chinese Ministry of Health primary liver cancer guideline (2011 edition)', url: 'https://cco.amegroups.com/article/view/1029/1240' },
  mcode: { id: 'mcode', label: 'HL7 mCODE implementation guide (cancer condition value sets)', url: 'https://hl7.org/fhir/us/mcode/' },
  'afp-who-standard': { id: 'afp-who-standard', label: 'AFP 1 IU = 1.21 ng: WHO 1st International Standard 72/225, as stated in manufacturer inserts (assay-dependent; clinical-rules.md §1.1 note A)' },
};
