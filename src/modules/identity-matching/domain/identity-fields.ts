/**
 * What the matcher compares: one record's demographics as a source or an extract gives them,
 * before any normalisation. Every field may be absent; the matcher treats absent as "no
 * evidence", never as disagreement.
 */
export interface IdentityFields {
  /** As given: checked (modulus 11) by the matcher, which links only on a valid one. */
  nhsNumber?: string;
  /** Another identifier the sources share (a local record number, a social security id). */
  otherIdentifier?: string;
  given?: string;
  middle?: string;
  family?: string;
  /** ISO 8601 date (YYYY-MM-DD). Readers of other formats convert before handing it over. */
  birthDate?: string;
  /** Any common spelling: male/female/m/f/1/2/other/unknown/... (normalised by the matcher). */
  sex?: string;
  postcode?: string;
  addressLines?: string[];
  city?: string;
}
