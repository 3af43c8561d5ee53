// A candidate pair as one double (left * 2^26 + right, left < right), so tens of millions of
// pairs fit in a Float64Array and sort and de-duplicate without allocating objects.
export const MAX_RECORDS = 2 ** 26;

export const encodePair = (left: number, right: number) => (left < right ? left * MAX_RECORDS + right : right * MAX_RECORDS + left);
export const pairLeft = (pair: number) => Math.floor(pair / MAX_RECORDS);
export const pairRight = (pair: number) => pair % MAX_RECORDS;
