/**
 * The facts a health-code rule sees about one person, assembled from shared data (labs, CDC case reports,
 * contact tracing, quarantine orders, itineraries and venue scans, symptom reports).
 *
 * Times are ISO 8601 strings in UTC ('2022-05-20T08:00:00Z') or dates ('2022-05-20', read as midnight UTC, as
 * CertLogic reads them). The rules compute everything else themselves, so no derived fields are added.
 */
export interface NatOrAntigenTest {
  kind: 'nat' | 'antigen';
  time: string;
  result: 'positive' | 'negative' | 'invalid';
}

export interface CaseReport {
  diagnosis: 'confirmed' | 'asymptomatic' | 'suspected' | 'excluded';
  reportTime: string;
}

export interface ContactRecord {
  type: 'close' | 'secondary' | 'spatiotemporal';
  exposureDate: string;
  /** End of the contact's quarantine; when absent the rules take exposureDate + 7 days. */
  quarantineEnd?: string;
}

export interface QuarantineOrder {
  start: string;
  end: string;
}

export interface RiskAreaVisit {
  level: 'high' | 'medium';
  area: string;
  time: string;
}

export interface SymptomReport {
  time: string;
  fever: boolean;
  symptoms: string;
}

export interface PersonFacts {
  /** Evaluation time (ISO 8601). */
  now: string;
  /** Newest first (the rules do not rely on the order). */
  tests: NatOrAntigenTest[];
  cases: CaseReport[];
  contacts: ContactRecord[];
  /** Orders in force or past (from contact tracing, inbound travel). */
  quarantine: QuarantineOrder[];
  /** Stays in (then) risk areas, from itineraries and venue scans. */
  visits: RiskAreaVisit[];
  /** Newest first (the rules do not rely on the order). */
  symptoms: SymptomReport[];
}
